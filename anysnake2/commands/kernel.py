"""`anysnake2 kernel install | list | remove | start`: Jupyter kernels in the container.

`kernel install [--name NAME] [--display-name TEXT] [--language python|R]
[--user|--sys-prefix]` writes a
kernelspec (`<jupyter data dir>/kernels/<name>/kernel.json`; `--user`, the default, is
`$JUPYTER_DATA_DIR` or `$XDG_DATA_HOME/jupyter` or `~/.local/share/jupyter`, as
jupyter_core has it; `--sys-prefix` is `<sys.prefix>/share/jupyter`) whose argv is
`anysnake2 -c /abs/anysnake2.toml kernel start {connection_file}`. `kernel start FILE`
runs `python -m ipykernel_launcher -f FILE` in the container (or, after `--`, any argv in
which `{connection_file}` stands for FILE) with FILE's folder bound in at its own path: the
folder Jupyter writes connection files to is usually not visible in the container
otherwise. Jupyter interrupts a kernel with SIGINT to its process group: the runtime
ignores it, the kernel handles it. `--language R` starts IRkernel that way (`R --slave -e IRkernel::main() --args
FILE`). A host JupyterLab or a JupyterHub then runs notebooks in the project's
environment. `kernel list` shows the kernelspecs anysnake2 wrote; `kernel remove` removes
one (never a kernelspec anysnake2 did not write).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .. import _log
from ..errors import EX_NOINPUT, AnysnakeError, ConfigError, UsageError

if TYPE_CHECKING:
    from ..context import Context

__all__ = ["kernel_dirs", "kernelspec", "main"]

USAGE = (
    "anysnake2 kernel install [--name NAME] [--display-name TEXT] [--language python|R] "
    "[--user|--sys-prefix] | "
    "list | remove [--name NAME] [--user|--sys-prefix] | start CONNECTION_FILE [-- ARGV]"
)
MARK = "anysnake2"  # the key of kernel.json's metadata that says we wrote it
DEFAULT_ARGV = ("python", "-m", "ipykernel_launcher", "-f", "{connection_file}")
R_ARGV = ("R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}")


class NoKernelError(AnysnakeError):
    """The kernelspec to remove (or the connection file's folder) does not exist."""

    exit_code = EX_NOINPUT


def kernel_dirs(environ: dict[str, str] | None = None) -> dict[str, Path]:
    """`{"user": ..., "sys-prefix": ...}`: the kernels folders, as jupyter_core finds them."""
    env = os.environ if environ is None else environ
    data = env.get("JUPYTER_DATA_DIR")
    if not data:
        xdg = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
        data = os.path.join(xdg, "jupyter")
    return {
        "user": Path(data) / "kernels",
        "sys-prefix": Path(sys.prefix) / "share" / "jupyter" / "kernels",
    }


def _entry() -> list[str]:
    """How to start this anysnake2: its console script, else this Python with its CLI."""
    script = Path(sys.executable).parent / "anysnake2"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("anysnake2")
    if found:
        return [os.path.realpath(found)]
    code = "import sys; del sys.path[0]; from anysnake2._fast import main; sys.exit(main())"
    return [sys.executable, "-c", code]


def kernelspec(config: Path, display_name: str, language: str = "python") -> dict[str, object]:
    """The kernel.json of the project whose config is `config` (absolute); `language`
    "python" (ipykernel) or "R" (IRkernel)."""
    argv = [*_entry(), "-c", str(config), "kernel", "start", "{connection_file}"]
    if language == "R":
        argv += ["--", *R_ARGV]
    return {
        "argv": argv,
        "display_name": display_name,
        "language": language,
        "interrupt_mode": "signal",
        "metadata": {MARK: {"config": str(config)}},
    }


def _default_name(root: Path) -> str:
    folder = re.sub(r"[^a-z0-9._-]", "-", root.name.lower()).strip("-.") or "project"
    return f"anysnake2-{folder}"


def _options(args: list[str], allowed: tuple[str, ...]) -> dict[str, str]:
    """`--name X`, `--name=X`, `--user`, `--sys-prefix` ... into a dict (64 otherwise)."""
    found: dict[str, str] = {}
    rest = list(args)
    while rest:
        option = rest.pop(0)
        value = None
        if "=" in option:
            option, value = option.split("=", 1)
        if option not in allowed:
            raise UsageError(f"kernel: unexpected argument {option}", hint=USAGE)
        if option in ("--user", "--sys-prefix"):
            found["where"] = option[2:]
            continue
        if value is None:
            if not rest:
                raise UsageError(f"kernel: {option} needs a value", hint=USAGE)
            value = rest.pop(0)
        found[option[2:]] = value
    if "name" in found and not re.match(r"^[A-Za-z0-9._-]+$", found["name"]):
        raise UsageError(f"kernel: {found['name']!r} is not a kernel name (A-Z a-z 0-9 . _ -)")
    return found


def _ours(folder: Path) -> dict | None:
    try:
        spec = json.loads((folder / "kernel.json").read_text())
    except (OSError, ValueError):
        return None
    return spec if isinstance(spec, dict) and MARK in spec.get("metadata", {}) else None


def install(ctx: Context, args: list[str]) -> int:
    """Write the kernelspec; refuses (65) to overwrite one anysnake2 did not write."""
    allowed = ("--name", "--display-name", "--language", "--user", "--sys-prefix")
    options = _options(args, allowed)
    config = Path(os.path.realpath(ctx.config_path))
    ctx.project  # noqa: B018 - a broken config fails here, not when a notebook starts
    language = options.get("language", "python")
    if language not in ("python", "R"):
        raise UsageError(f"kernel install --language: {language!r} is not python or R")
    suffix = "-r" if language == "R" else ""
    name = options.get("name") or _default_name(config.parent) + suffix
    label = "R, anysnake2" if language == "R" else "anysnake2"
    display = options.get("display-name") or f"{config.parent.name} ({label})"
    folder = kernel_dirs()[options.get("where", "user")] / name
    if (folder / "kernel.json").exists() and _ours(folder) is None:
        raise ConfigError(
            f"{folder} holds a kernelspec that anysnake2 did not write",
            hint="choose another --name, or remove it with 'jupyter kernelspec remove'",
        )
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(kernelspec(config, display, language), indent=1, sort_keys=True) + "\n"
    (folder / "kernel.json").write_text(text)
    _log.note(f"installed the kernel {name!r} ({display}) in {folder}")
    print(folder)
    return 0


def list_kernels(ctx: Context, args: list[str]) -> int:
    """Print `NAME  CONFIG  FOLDER` for each kernelspec anysnake2 wrote."""
    _options(args, ())
    for where, base in kernel_dirs().items():
        if not base.is_dir():
            continue
        for folder in sorted(base.iterdir()):
            spec = _ours(folder)
            if spec is not None:
                config = spec["metadata"][MARK].get("config", "?")
                print(f"{folder.name}  {config}  {folder} ({where})")
    return 0


def remove(ctx: Context, args: list[str]) -> int:
    """Remove one of our kernelspecs (66 when there is none of that name)."""
    options = _options(args, ("--name", "--user", "--sys-prefix"))
    name = options.get("name") or _default_name(Path(os.path.realpath(ctx.config_path)).parent)
    folder = kernel_dirs()[options.get("where", "user")] / name
    if not folder.is_dir():
        raise NoKernelError(
            f"no kernel {name!r} in {folder.parent}", hint="see 'anysnake2 kernel list'"
        )
    if _ours(folder) is None:
        raise ConfigError(f"{folder} was not written by anysnake2; not removing it")
    shutil.rmtree(folder)
    _log.note(f"removed the kernel {name!r} ({folder})")
    return 0


def start(ctx: Context, args: list[str]) -> int:
    """Run the kernel in the container with the connection file's folder bound in."""
    from ..runtime import start as starting
    from ..runtime.dtach import refuse_nesting
    from ..runtime.run import editable_extras, prepare
    from .run import rootfs_path

    if not args or args[0].startswith("-"):
        raise UsageError("kernel start needs the connection file", hint=USAGE)
    connection = Path(os.path.realpath(args[0]))
    argv = list(args[2:]) if args[1:2] == ["--"] else list(DEFAULT_ARGV)
    if len(args) > 1 and args[1:2] != ["--"]:
        raise UsageError(f"kernel start: unexpected {args[1]}", hint=USAGE)
    argv = [a.replace("{connection_file}", str(connection)) for a in argv]
    if not connection.parent.is_dir():
        raise NoKernelError(f"kernel start: the folder of {connection} does not exist")
    refuse_nesting()
    rootfs = rootfs_path(ctx)
    extras = editable_extras(ctx.project, ctx.root)
    folder = str(connection.parent)
    extras = replace(extras, binds_rw=(*extras.binds_rw, (folder, folder)))
    ready = prepare(ctx.project, ctx.root, "kernel", None, argv, rootfs=rootfs, extras=extras)
    cwd = Path(os.path.realpath(ctx.root))
    return starting.launch(ready.argv, cwd=cwd, group_interrupt=True)


COMMANDS = {"install": install, "list": list_kernels, "remove": remove, "start": start}


def main(ctx: Context, args: list[str]) -> int:
    """Dispatch `kernel SUBCOMMAND`."""
    if not args or args[0] not in COMMANDS:
        what = f"unknown kernel command {args[0]!r}" if args else "which kernel command?"
        raise UsageError(what, hint=USAGE)
    return COMMANDS[args[0]](ctx, args[1:])
