"""`anysnake2 build TARGET`: build a part of the environment.

Targets are entries of `TARGETS` (name → (function, one-line help)); `flake` writes
`.anysnake2_flake/flake.nix` and stops before nix runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import _log
from ..errors import UsageError

if TYPE_CHECKING:
    from ..cli import Context
    from ..render.flake import RenderedFlake
    from ..render.resolution import Resolution

__all__ = ["TARGETS", "main", "render_project", "resolution_for"]


def resolution_for(ctx: Context) -> Resolution:
    """What the resolve steps recorded for this project (offline flag from the context).

    Until the resolve steps exist, nothing is recorded: tags and branches are rendered as
    refs (with a warning), and an existing `.anysnake2_flake/uv/` lock stays in place.
    """
    from ..render.resolution import Resolution

    return Resolution(offline=ctx.offline)


def render_project(ctx: Context) -> RenderedFlake:
    """Render the context's project into flake files (nothing written)."""
    from ..render.flake import render_flake

    project = ctx.project
    resolution = resolution_for(ctx)
    if project.python is not None and resolution.python_lock is None:
        lock = ctx.root / ".anysnake2_flake" / "uv" / "uv.lock"
        if not lock.exists():
            _log.warn(
                "no Python lock yet: the flake reads .anysnake2_flake/uv/uv.lock, which "
                "'anysnake2 lock' writes; nix cannot build the Python part before that"
            )
    return render_flake(project, resolution, root=ctx.root)


def build_flake(ctx: Context, args: list[str]) -> int:
    """Write `.anysnake2_flake/flake.nix` (git-tracked); nix is not run."""
    from ..render.write import write_flake_dir

    if args:
        raise UsageError(f"'build flake' takes no arguments, got {' '.join(args)!r}")
    changed = write_flake_dir(ctx.root, render_project(ctx))
    where = ctx.root / ".anysnake2_flake" / "flake.nix"
    _log.note(f"{'wrote' if changed else 'unchanged:'} {where}")
    return 0


TARGETS: dict[str, tuple[Callable[[Context, list[str]], int], str]] = {
    "flake": (build_flake, "write .anysnake2_flake/flake.nix (no nix build)"),
}


def main(ctx: Context, args: list[str]) -> int:
    """Dispatch to the build target named by `args[0]`."""
    if not args or args[0] not in TARGETS:
        listing = "\n".join(f"  {name:<8} {help_}" for name, (_, help_) in sorted(TARGETS.items()))
        what = f"unknown build target {args[0]!r}" if args else "'build' needs a target"
        raise UsageError(what, hint="targets:\n" + listing)
    function, _ = TARGETS[args[0]]
    return function(ctx, args[1:])
