"""`anysnake2 develop [ARGS...]`: the project's tools in a shell outside the container.

Builds when needed, then runs `nix develop <flake dir> -c <[dev_shell] shell> ARGS...` in
the project root: the devShell puts the rootfs' bin/ first on PATH and adds
`[dev_shell] inputs`; editable packages are on PYTHONPATH (with their metadata) and their
console scripts on PATH, at their host paths. Without ARGS the shell is interactive; with
them they go to the shell, so `anysnake2 develop -c 'hello --version'` runs one command
and returns its status. A host without git or hg takes them from `[outside_nixpkgs]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..cli import Context

__all__ = ["develop_argv", "develop_environment", "main"]

DEFAULT_SHELL = "bash"


def develop_argv(ctx: Context, args: list[str]) -> list[str]:
    """The `nix develop` argv for ctx's project (flakes on, empty registry)."""
    from ..runtime.build import flake_dir_of
    from ..runtime.nix import nix_argv

    dev_shell = ctx.project.dev_shell
    shell = (dev_shell.shell if dev_shell else None) or DEFAULT_SHELL
    flake_dir = flake_dir_of(ctx.root)
    return nix_argv(flake_dir, "develop", str(flake_dir), "-c", shell, *args)


def main(ctx: Context, args: list[str]) -> int:
    """Open the develop shell (or run ARGS in it); the shell's exit status."""
    from ..runtime.build import ensure_built
    from ..runtime.dtach import refuse_nesting
    from ..runtime.host_tools import provide_all
    from ..runtime.start import launch

    refuse_nesting()
    provide_all(ctx.project, ctx.root, run=False)
    ensure_built(ctx)
    argv = develop_argv(ctx, args)
    return launch(argv, cwd=ctx.root, env=develop_environment(ctx))


def develop_environment(ctx: Context) -> dict[str, str]:
    """This process's environment plus the editable packages, installed with host paths
    (runtime.editables.develop_env): nix develop keeps the caller's variables."""
    import os
    from pathlib import Path

    from ..runtime.editables import develop_env

    return develop_env(ctx.project, Path(os.path.realpath(ctx.root)), dict(os.environ))
