"""The application's steps, above the runtime: pin → clone → lock → render → write (git
staging) → check → build, for the project of a command's `Context`.

Commands call these; each step below (resolve, render, runtime) takes explicit values: the
model, paths, a `Resolution`, flags. `ensure_built` decides in order of cost:
1. `state.is_fresh` (raw bytes of config, locks and flake.nix hashed; no parsing): done.
2. Under the project lock, the same check again (another terminal may just have built).
3. Load, resolve and render; nix runs only when `runtime.build.needs_build` says why.
"""

from __future__ import annotations

from pathlib import Path

from . import _log
from ._version import __version__
from .runtime import state
from .runtime.build import flake_dir_of, project_lock, rootfs_of

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from .context import Context
    from .model import Project
    from .render.flake import RenderedFlake
    from .render.resolution import Resolution

__all__ = [
    "build_oci",
    "build_sif",
    "check_project",
    "ensure_built",
    "lock_project",
    "pinned_project",
    "resolution_for",
    "write_flake",
]


def check_project(project: Project, config_path: Path | None) -> None:
    """ConfigError (65) when the helper flakes cannot build `project` as configured or its
    Nix code does not parse (at the config line); warnings for risky pin combinations."""
    from .render.support import check_supported
    from .runtime.nix_check import check_nix_code

    check_supported(project, config_path)
    check_nix_code(project, config_path)


def pinned_project(ctx: Context) -> Project:
    """ctx's project with every tag, branch and missing value resolved to an exact pin
    (recorded in the config, or in anysnake2.lock.toml for an anysnake2.py)."""
    from .resolve.pins import pin_project

    return pin_project(
        ctx.project, ctx.root, ctx.config_path, offline=ctx.offline, locked=ctx.locked
    )


def lock_project(
    ctx: Context, *, upgrade: list[str] | None = None, force: bool = False
) -> tuple[Project, bool | None]:
    """Pin (`upgrade`: these recorded pins again, [] all; `force`: hand-written ones too),
    clone and make the Python lock, under the project lock. The pinned project, and whether
    its Python lock was current already (None: the project has no [python])."""
    from .resolve.editable_sdists import fetch_editable_sdists
    from .resolve.pins import pin_project
    from .resolve.python_lock import ensure_python_lock, python_lock_is_current
    from .runtime.clones import perform_clones

    root = ctx.root
    with project_lock(flake_dir_of(root), "locking"):
        project = pin_project(
            ctx.project,
            root,
            ctx.config_path,
            offline=ctx.offline,
            locked=ctx.locked,
            upgrade=upgrade,
            force=force,
        )
        if project.python is None:
            return project, None
        perform_clones(project, root)
        fetch_editable_sdists(project, root, offline=ctx.offline)
        current = python_lock_is_current(project, root)
        ensure_python_lock(project, root, offline=ctx.offline, locked=ctx.locked)
    return project, current


def resolution_for(project: Project, root: Path, *, offline: bool, locked: bool) -> Resolution:
    """What the resolve steps decided for `project`: the Python lock (made with uv, or
    reused from anysnake2.uv.lock without calling uv), the files of its local sources, and
    the build backends of the locked packages uv2nix builds from source (sdists read once,
    then cached)."""
    from .render.resolution import Resolution
    from .resolve.python_lock import ensure_local_sources, ensure_python_lock

    lock = ensure_python_lock(project, root, offline=offline, locked=locked)
    if lock is None:
        return Resolution(offline=offline)
    from .build_systems import build_requires
    from .resolve.local_sources import source_files
    from .resolve.sdist_backends import sdist_build_requires

    ensure_local_sources(project, root, offline=offline)
    prefer_wheels = project.python is None or project.python.prefer_wheels is not False
    text = (lock / "uv.lock").read_text(encoding="utf-8")
    sdists = sdist_build_requires(
        text, flake_dir_of(root), prefer_wheels=prefer_wheels, offline=offline
    )
    return Resolution(
        python_lock=lock,
        offline=offline,
        build_requires=build_requires(text, prefer_wheels=prefer_wheels, sdist_requires=sdists),
        local_sources=source_files(lock),
    )


def _render(ctx: Context) -> tuple[Project, RenderedFlake]:
    """Check, pin, clone, fetch, resolve and render ctx's project."""
    from .render.flake import render_flake
    from .resolve.editable_sdists import fetch_editable_sdists
    from .runtime.clones import perform_clones

    check_project(ctx.project, ctx.config_path)
    project = pinned_project(ctx)
    perform_clones(project, ctx.root)
    fetch_editable_sdists(project, ctx.root, offline=ctx.offline)
    resolution = resolution_for(project, ctx.root, offline=ctx.offline, locked=ctx.locked)
    lock_missing = not (flake_dir_of(ctx.root) / "uv" / "uv.lock").exists()
    if project.python is not None and resolution.python_lock is None and lock_missing:
        _log.warn(
            "no Python lock yet: the flake reads .anysnake2_flake/uv/uv.lock, which "
            "'anysnake2 lock' writes; nix cannot build the Python part before that"
        )
    return project, render_flake(project, resolution, root=ctx.root)  # logs its warnings


def write_flake(ctx: Context) -> bool:
    """Clone what is missing, resolve and render ctx's project into the flake directory
    (git-staged, parse-checked); True when the flake changed. Call it under `project_lock`."""
    from .runtime.flake_dir import write_flake_dir
    from .runtime.nix_check import check_rendered_flake
    from .runtime.repair import repair_flake_dir

    flake_dir = flake_dir_of(ctx.root)
    repair_flake_dir(flake_dir)
    project, rendered = _render(ctx)
    check_rendered_flake(rendered.flake_nix, flake_dir / "flake.nix")
    keep = bool(project.anysnake2.do_not_modify_flake)
    return write_flake_dir(ctx.root, rendered, keep_user_flake=keep)


def ensure_built(ctx: Context) -> Path:
    """The rootfs of ctx's project, built first if anything changed."""
    from .runtime.build import build_explained, needs_build, record_built

    root = ctx.root
    flake_dir = flake_dir_of(root)
    if state.is_fresh(str(root), __version__):
        return rootfs_of(root)
    with project_lock(flake_dir, "building"):
        if state.is_fresh(str(root), __version__):
            return rootfs_of(root)
        write_flake(ctx)
        reason = needs_build(flake_dir)
        if reason is not None:
            _log.note(f"building the environment: {reason}")
            build_explained(flake_dir, ctx.project, ctx.config_path)
        record_built(root, ctx.config_path, ctx.project)
    return rootfs_of(root)


def build_oci(ctx: Context) -> Path:
    """Build the rootfs if needed, then write `.anysnake2_flake/result-oci.tar`."""
    from .runtime.image import write_image

    rootfs = ensure_built(ctx)  # FailureError (70) when it cannot be built
    return write_image(ctx.project, ctx.root, rootfs)


def build_sif(ctx: Context) -> Path:
    """The SIF `.anysnake2_flake/result.sif`, converted from the OCI archive."""
    from .runtime.sif import convert_to_sif, find_converter

    converter = find_converter()  # before any build: a missing tool fails fast
    return convert_to_sif(ctx.root, build_oci(ctx), converter)
