"""`anysnake2 run -- ARGV...` and `anysnake2 [NAME [ARGS...]]` (`[cmd.NAME]`, default).

`run -- python -c 'print(1)'` runs exactly that argv in the container: no shell joins the
words (the original did, so its README's `"'import pandas; ...'"` needed two layers of
quotes; an argument wholly in single quotes now gets a warning). No hooks for `run --`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .. import _log
from ..errors import UsageError

if TYPE_CHECKING:
    from ..context import Context
    from ..model import Command

__all__ = ["main", "rootfs_path", "run_named"]


def rootfs_path(ctx: Context) -> Path:
    """The container's root, built first if anything changed."""
    from ..pipeline import ensure_built

    return ensure_built(ctx)


def _start(ctx: Context, name: str, command: Command | None, args: list[str]) -> int:
    from ..runtime.dtach import refuse_nesting
    from ..runtime.run import run_command

    refuse_nesting()  # before any build: nothing is done inside a container
    from ..runtime.host_tools import provide_all

    provide_all(ctx.project, ctx.root, run=True)  # what the host lacks, from [outside_nixpkgs]
    rootfs = rootfs_path(ctx)
    return run_command(ctx.project, ctx.root, name, command, args, rootfs=Path(rootfs))


def main(ctx: Context, args: list[str]) -> int:
    """`run -- ARGV...`: run ARGV in the container and return its exit status."""
    argv = args[1:] if args[:1] == ["--"] else list(args)
    if not argv:
        raise UsageError(
            "nothing to run after 'run --'",
            hint="write the command after it, e.g. anysnake2 run -- python --version",
        )
    from ..runtime.scripts import quote_warnings

    for warning in quote_warnings(argv):
        _log.warn(warning)
    return _start(ctx, "run", None, argv)


def run_named(ctx: Context, name: str, args: list[str]) -> int:
    """Run `[cmd.<name>]` with its hooks, `args` reaching the script as `$@`."""
    commands = ctx.project.cmd
    if name not in commands:
        from ..cli import available_builtins

        known = ", ".join(sorted(commands)) or "(none)"
        if name == "default":
            message = "no [cmd.default] in the config, so there is nothing to run by default"
        else:
            message = f"unknown command {name!r}: neither built in nor a [cmd.{name}]"
        raise UsageError(
            message,
            hint=f"commands of this project: {known}; built-in: " + ", ".join(available_builtins()),
            file=os.fspath(ctx.config_path),
        )
    return _start(ctx, name, commands[name], list(args))
