"""`anysnake2 config [minimal|basic|full] [--format toml|python]`: print an example config."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from ..context import Context

__all__ = ["EXAMPLES", "example_text", "main"]

EXAMPLES = ("minimal", "basic", "full")
FORMATS = ("toml", "python")
_USAGE = "anysnake2 config minimal|basic|full [--format toml|python]"


def example_text(name: str) -> str:
    """The packaged example `name` (TOML text)."""
    from importlib.resources import files

    return (files("anysnake2") / "examples" / f"{name}.toml").read_text(encoding="utf-8")


def _parse(args: list[str]) -> tuple[str, str]:
    names: list[str] = []
    output = "toml"
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg.startswith("--format"):
            if "=" in arg:
                value = arg.split("=", 1)[1]
            elif rest:
                value = rest.pop(0)
            else:
                raise UsageError("--format needs a value", hint=_USAGE)
            if value not in FORMATS:
                raise UsageError(f"unknown format {value!r}", hint="use --format toml or python")
            output = value
        elif arg in EXAMPLES and not names:
            names.append(arg)
        else:
            raise UsageError(f"unknown example {arg!r}", hint=_USAGE)
    if not names:
        raise UsageError("which example? minimal, basic or full", hint=_USAGE)
    return names[0], output


def main(ctx: Context, args: list[str]) -> int:
    """Print the example (needs no config file)."""
    name, output = _parse(args)
    text = example_text(name)
    if output == "toml":
        print(text, end="")
        return 0
    try:
        from ..dsl import to_python
    except ImportError:
        raise UsageError(
            "python output is not available in this version of anysnake2",
            hint="use --format toml",
        ) from None
    from ..toml_compat.comments import section_comments
    from ..toml_compat.reader import read_project_text

    project = read_project_text(text, f"{name}.toml")
    print(to_python(project, section_comments(text)), end="")
    return 0
