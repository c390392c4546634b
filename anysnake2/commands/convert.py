"""`anysnake2 convert --to python|toml [-o FILE] [--force]`: the config in the other format.

The comments of an anysnake2.toml come along (each section's at its calls). Prints to
stdout, or writes FILE (relative to the current directory). An existing FILE is
only replaced with `--force`; without it the command stops with a usage error (64): the
config is fine, the command line asked to overwrite a file without saying so.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from ..context import Context

__all__ = ["main"]

USAGE = "usage: anysnake2 convert --to python|toml [-o FILE] [--force]"


def _parse(args: list[str]) -> tuple[str, str | None, bool]:
    target: str | None = None
    output: str | None = None
    force = False
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        value: str | None = None
        if arg.startswith("--") and "=" in arg:
            arg, value = arg.split("=", 1)
        if arg in ("--to", "-o", "--output"):
            if value is None:
                if not rest:
                    raise UsageError(f"{arg} needs a value", hint=USAGE)
                value = rest.pop(0)
            if arg == "--to":
                target = value
            else:
                output = value
        elif arg in ("-f", "--force"):
            force = True
        else:
            raise UsageError(f"convert: unexpected argument {arg!r}", hint=USAGE)
    if target not in ("python", "toml"):
        raise UsageError(
            "convert needs --to python or --to toml"
            + ("" if target is None else f", not {target!r}"),
            hint=USAGE,
        )
    return target, output, force


def main(ctx: Context, args: list[str]) -> int:
    """Convert the project to `--to` format; print it or write `-o FILE`."""
    target, output, force = _parse(args)
    project = ctx.project
    if target == "python":
        from .._config_text import read_config
        from ..dsl import to_python
        from ..toml_compat.comments import section_comments

        source = ctx.config_path
        comments = section_comments(read_config(source)) if source.suffix == ".toml" else {}
        text = to_python(project, comments)
    else:
        from ..toml_compat.writer import write_project

        text = write_project(project)
    if output is None:
        print(text, end="" if text.endswith("\n") else "\n")
        return 0
    path = Path(output)
    if not path.is_absolute():
        path = ctx.cwd / path
    if path.exists() and not force:
        raise UsageError(
            f"{path} exists already; not replaced",
            hint="add --force to replace it, or choose another file with -o",
        )
    try:
        _write_whole(path, text)
    except OSError as error:
        from ..errors import CannotCreateError, IOFailureError, from_os_error

        converted = from_os_error(error, path)
        if isinstance(converted, IOFailureError):  # a full disk: 74, not "cannot create"
            raise converted from None
        raise CannotCreateError(
            f"cannot create {path}: {error.strerror}",
            hint="write into a folder that exists and is writable",
        ) from None
    from .. import _log

    _log.note(f"wrote {path}")
    return 0


def _write_whole(path: Path, text: str) -> None:
    """Write `path` completely or not at all (a full disk leaves no half file, and an
    existing file replaced with --force is kept until the new one is complete)."""
    from .._util.atomic import write_atomic

    write_atomic(path, text, fsync=True)
