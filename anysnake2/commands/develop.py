"""`anysnake2 develop [ARGS...]`: the project's tools in a shell outside the container.

Builds when needed, then runs `nix develop <flake dir> -c <[dev_shell] shell> ARGS...` in
the project root: the devShell puts the rootfs' bin/ first on PATH and adds
`[dev_shell] inputs`. Without ARGS the shell is interactive; with them they go to the
shell, so `anysnake2 develop -c 'hello --version'` runs one command and returns its status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..cli import Context

__all__ = ["develop_argv", "main"]

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
    from ..runtime.start import launch

    refuse_nesting()
    ensure_built(ctx)
    argv = develop_argv(ctx, args)
    return launch(argv, cwd=ctx.root)
