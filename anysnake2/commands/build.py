"""`anysnake2 build TARGET`: build a part of the environment.

Targets are entries of `TARGETS` (name → (function, one-line help)); `flake` writes
`.anysnake2_flake/flake.nix` and stops before nix runs; `editables [NAME...]` builds the
compiled extensions of editable packages in the container.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import _log
from ..errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from ..context import Context

__all__ = ["TARGETS", "main"]


def build_flake(ctx: Context, args: list[str]) -> int:
    """Write `.anysnake2_flake/flake.nix` (git-tracked); nix is not run."""
    from ..pipeline import write_flake
    from ..runtime.build import flake_dir_of, project_lock

    _no_args("flake", args)
    with project_lock(flake_dir_of(ctx.root), "writing the flake"):
        changed = write_flake(ctx)
    where = flake_dir_of(ctx.root) / "flake.nix"
    _log.note(f"{'wrote' if changed else 'unchanged:'} {where}")
    _json_result(ctx, "flake", {"flake": where}, changed=changed)
    return 0


def build_rootfs(ctx: Context, args: list[str]) -> int:
    """Build `.anysnake2_flake/result/rootfs` with nix (only when something changed)."""
    from ..pipeline import ensure_built

    _no_args("rootfs", args)
    rootfs = ensure_built(ctx)
    _log.note(f"rootfs ready: {rootfs}")
    flake = rootfs.parent.parent / "flake.nix"
    _json_result(ctx, "rootfs", {"flake": flake, "rootfs": rootfs, "store": rootfs.resolve()})
    return 0


def build_oci(ctx: Context, args: list[str]) -> int:
    """Write the OCI image archive `.anysnake2_flake/result-oci.tar` (rootfs + closure)."""
    from ..pipeline import build_oci as write_oci

    _no_args("oci", args)
    archive = write_oci(ctx)
    _json_result(ctx, "oci", {"oci": archive})
    return 0


def build_sif(ctx: Context, args: list[str]) -> int:
    """Convert the OCI image into `.anysnake2_flake/result.sif` with apptainer/singularity."""
    from ..pipeline import build_sif as write_sif

    _no_args("sif", args)
    sif = write_sif(ctx)
    _json_result(ctx, "sif", {"sif": sif})
    return 0


def build_editables(ctx: Context, args: list[str]) -> int:
    """Build the compiled extensions of editable packages (`args`: their names, else all) in
    place in the container (runtime.editable_build)."""
    from ..pipeline import ensure_built
    from ..runtime.dtach import refuse_nesting
    from ..runtime.editable_build import build_extensions, chosen_editables

    refuse_nesting()
    chosen_editables(ctx.project, args)  # a wrong name: 64 before anything is built
    names = build_extensions(ctx.project, ctx.root, args, rootfs=ensure_built(ctx))
    _log.note(f"extensions built: {', '.join(names)}" if names else "no editable packages")
    if ctx.json:
        from ._json import emit

        emit("build", target="editables", paths={}, built=names)
    return 0


def _json_result(
    ctx: Context, target: str, paths: dict[str, Path], *, changed: bool | None = None
) -> None:
    """With --json: the target and the paths it made as one JSON document."""
    if ctx.json:
        from ._json import emit

        extra = {} if changed is None else {"changed": changed}
        emit("build", target=target, paths={k: str(v) for k, v in paths.items()}, **extra)


def _no_args(target: str, args: list[str]) -> None:
    if args:
        raise UsageError(f"'build {target}' takes no arguments, got {' '.join(args)!r}")


TARGETS: dict[str, tuple[Callable[[Context, list[str]], int], str]] = {
    "flake": (build_flake, "write .anysnake2_flake/flake.nix (no nix build)"),
    "rootfs": (build_rootfs, "build .anysnake2_flake/result/rootfs with nix"),
    "oci": (build_oci, "write the OCI image archive .anysnake2_flake/result-oci.tar"),
    "sif": (build_sif, "convert the OCI image to .anysnake2_flake/result.sif (apptainer)"),
    "editables": (build_editables, "build editable packages' C extensions in the container"),
}


def main(ctx: Context, args: list[str]) -> int:
    """Dispatch to the build target named by `args[0]`."""
    if not args or args[0] not in TARGETS:
        listing = "\n".join(f"  {name:<10} {help_}" for name, (_, help_) in sorted(TARGETS.items()))
        what = f"unknown build target {args[0]!r}" if args else "'build' needs a target"
        raise UsageError(what, hint="targets:\n" + listing)
    function, _ = TARGETS[args[0]]
    from ..runtime.host_tools import provide_all

    provide_all(ctx.project, ctx.root, run=False)  # git, hg: from [outside_nixpkgs] if missing
    return function(ctx, args[1:])
