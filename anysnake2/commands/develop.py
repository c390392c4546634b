"""`anysnake2 develop [-c CMD [ARGS...]]`: the project's tools in a shell outside the container.

Builds when needed, then runs `nix develop <flake dir> -c ...` in the project root: the
devShell puts the rootfs' bin/ first on PATH and adds `[dev_shell] inputs`; editable
packages are on PYTHONPATH (with their metadata) and their console scripts on PATH, at
their host paths. Without `-c` the `[dev_shell] shell` is interactive. `-c CMD ARGS...`
runs CMD with every ARG as its own argument; a lone CMD with whitespace in it is a shell
command line for that shell (`develop -c 'hello | wc -l'`). A CMD that is not in the
develop shell is reported by anysnake2 (69), not as the shell's 127. A host without git
or hg takes them from `[outside_nixpkgs]`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..errors import ToolUnavailableError, UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from ..context import Context

__all__ = ["develop_argv", "develop_environment", "main"]

DEFAULT_SHELL = "bash"
USAGE = "usage: anysnake2 develop [-c CMD [ARGS...]]"
#: Shells whose `-c` speaks POSIX sh; the check before CMD runs in one of them.
_POSIX_SHELLS = ("sh", "bash", "dash", "zsh", "ksh", "mksh", "ash")
# Runs inside the dev shell: $1 the marker file, $2 the word to look up, then the argv.
# A missing word leaves the marker (anysnake2 reports it) instead of the shell's 127.
_CHECK = (
    "marker=$1; word=$2; shift 2; "
    'if ! command -v -- "$word" >/dev/null 2>&1; then : > "$marker"; exit 69; fi; '
    'exec "$@"'
)


def _first_word(line: str) -> str | None:
    """The program a shell command line starts with, when that is plain to see."""
    import shlex

    try:
        words = shlex.split(line)
    except ValueError:
        return None
    if not words or "=" in words[0] or not all(c.isalnum() or c in "_./+-" for c in words[0]):
        return None
    return words[0]


def parse_args(args: list[str]) -> list[str] | None:
    """The argv after `-c` (None: interactive). UsageError for anything else."""
    if not args:
        return None
    if args[0] != "-c":
        raise UsageError(
            f"develop does not understand {args[0]!r}",
            hint=f"{USAGE}; e.g. anysnake2 develop -c {' '.join(args)}",
        )
    if len(args) < 2 or not args[1]:
        raise UsageError("develop -c needs a command", hint=USAGE)
    return args[1:]


def develop_argv(ctx: Context, command: list[str] | None, marker: Path | None = None) -> list[str]:
    """The `nix develop` argv for ctx's project (flakes on, empty registry)."""
    from ..runtime.build import flake_dir_of
    from ..runtime.nix import nix_argv

    dev_shell = ctx.project.dev_shell
    shell = (dev_shell.shell if dev_shell else None) or DEFAULT_SHELL
    flake_dir = flake_dir_of(ctx.root)
    head = nix_argv(flake_dir, "develop", str(flake_dir), "-c")
    if command is None:
        return [*head, shell]
    checker = shell if os.path.basename(shell) in _POSIX_SHELLS else "sh"
    if len(command) == 1 and any(c.isspace() for c in command[0]):
        word = _first_word(command[0])
        argv = [shell, "-c", command[0]]
        if word is None or marker is None:
            return [*head, *argv]
    else:
        word, argv = command[0], command
    if marker is None:
        return [*head, *argv]
    return [*head, checker, "-c", _CHECK, "anysnake2-develop", str(marker), word, *argv]


def main(ctx: Context, args: list[str]) -> int:
    """Open the develop shell (or run `-c CMD ARGS...` in it); the shell's exit status."""
    from ..pipeline import ensure_built
    from ..runtime.build import flake_dir_of
    from ..runtime.dtach import refuse_nesting
    from ..runtime.host_tools import provide_all
    from ..runtime.start import launch

    command = parse_args(args)
    refuse_nesting()
    provide_all(ctx.project, ctx.root, run=False)
    ensure_built(ctx)
    marker = flake_dir_of(ctx.root) / f".develop-missing.{os.getpid()}"
    try:
        status = launch(
            develop_argv(ctx, command, marker), cwd=ctx.root, env=develop_environment(ctx)
        )
        if command is not None and marker.exists():
            program = command[0] if len(command) > 1 else _first_word(command[0])
            raise ToolUnavailableError(
                f"develop: {program!r} is not a program in the develop shell",
                hint="the develop shell's PATH has the rootfs' bin/ and [dev_shell] inputs; "
                "add the package to [nixpkgs] packages or [dev_shell] inputs",
            )
    finally:
        if marker.exists():
            marker.unlink()
    return status


def develop_environment(ctx: Context) -> dict[str, str]:
    """This process's environment plus the editable packages, installed with host paths
    (runtime.editables.develop_env): nix develop keeps the caller's variables."""
    from pathlib import Path

    from ..runtime.editables import develop_env

    return develop_env(ctx.project, Path(os.path.realpath(ctx.root)), dict(os.environ))
