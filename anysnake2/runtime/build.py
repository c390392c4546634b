"""Make sure the container's rootfs is built and current: resolve, render, nix build.

The decision, in order of cost:
1. `state.is_fresh` (raw bytes of config, locks and flake.nix hashed; no parsing): done.
2. Under the project lock, the same check again (another terminal may just have built).
3. Load, resolve and render; nix runs only when the flake's content differs from the last
   successful build, `result/rootfs` is missing, or an earlier build did not finish (the
   marker written before `nix build` is only removed after success: Ctrl-C leaves it).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .. import _log
from .._version import __version__
from . import state

if TYPE_CHECKING:
    from ..cli import Context
    from ..model import Project
    from ..render.resolution import Resolution

__all__ = ["ensure_built", "flake_dir_of", "project_lock", "rootfs_of"]

LOCK_FILE = ".lock"
BUILT_FLAKE_FILE = "built.flake"
# Files of the flake directory whose content defines the build.
FLAKE_CONTENT = ("flake.nix", "flake.lock", "uv/pyproject.toml", "uv/uv.lock")


def flake_dir_of(root: Path) -> Path:
    """`<root>/.anysnake2_flake`."""
    return root / state.FLAKE_DIR


def rootfs_of(root: Path) -> Path:
    """`<root>/.anysnake2_flake/result/rootfs`."""
    return flake_dir_of(root) / "result" / "rootfs"


@contextlib.contextmanager
def project_lock(flake_dir: Path, purpose: str) -> Iterator[None]:
    """Hold the project's lock (fcntl) while writing, locking or building.

    A second anysnake2 in the same project waits here and says for what. A flake folder
    made here for a block that fails before writing anything else is removed again.
    """
    made = not flake_dir.exists()
    flake_dir.mkdir(parents=True, exist_ok=True)
    path = flake_dir / LOCK_FILE
    try:
        with _locked(path, purpose):
            yield
    except BaseException:
        if made and [p.name for p in flake_dir.iterdir()] == [LOCK_FILE]:
            path.unlink()
            flake_dir.rmdir()
        raise


@contextlib.contextmanager
def _locked(path: Path, purpose: str) -> Iterator[None]:
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            handle.seek(0)
            holder = handle.read().strip() or "another anysnake2"
            _log.note(f"waiting for {holder} to finish with this project (lock: {path})")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"anysnake2 pid {os.getpid()} ({purpose})\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def state_files(config_path: Path, root: Path, project: Project | None = None) -> list[str]:
    """The files whose bytes decide whether a build is current (see `state`).

    For an anysnake2.py, every .py file beside it counts too: it may import them. The
    metadata of editable checkouts counts (their dependencies and console scripts), their
    code does not: it is bound into the container as it is.
    """
    files = [str(config_path)]
    if project is not None:
        from .editables import metadata_files

        files.extend(str(p) for p in metadata_files(project, root))
    if config_path.suffix == ".py":
        files.extend(sorted(str(p) for p in config_path.parent.glob("*.py") if p != config_path))
    files.extend(state.lock_files(str(root)))
    files.append(str(flake_dir_of(root) / "flake.nix"))
    return files


def flake_fingerprint(flake_dir: Path) -> str:
    """sha256 over the flake directory's build-defining files (with the local Python
    sources below `uv/sources/`)."""
    digest = hashlib.sha256()
    sources = flake_dir / "uv" / "sources"
    names = [*FLAKE_CONTENT]
    if sources.is_dir():
        names += sorted(
            p.relative_to(flake_dir).as_posix() for p in sources.rglob("*") if p.is_file()
        )
    for name in names:
        path = flake_dir / name
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


def pinned_project(ctx: Context) -> Project:
    """ctx's project with every tag, branch and missing value resolved to an exact pin
    (recorded in the config, or in anysnake2.lock.toml for an anysnake2.py)."""
    from ..resolve.pins import pin_project

    return pin_project(
        ctx.project, ctx.root, ctx.config_path, offline=ctx.offline, locked=ctx.locked
    )


def resolution_for(ctx: Context, project: Project | None = None) -> Resolution:
    """What the resolve steps decided for `project` (default: ctx's): the Python lock (made
    with uv, or reused from anysnake2.uv.lock without calling uv) and the build backends
    of the locked packages uv2nix builds from source (sdists read once, then cached)."""
    from ..render.resolution import Resolution
    from ..resolve.python_lock import ensure_local_sources, ensure_python_lock

    project = project if project is not None else ctx.project
    lock = ensure_python_lock(project, ctx.root, offline=ctx.offline, locked=ctx.locked)
    build_requires: dict[str, tuple[str, ...]] = {}
    if lock is not None:
        from ..build_systems import build_requires as requires_of
        from ..resolve.sdist_backends import sdist_build_requires

        ensure_local_sources(project, ctx.root, offline=ctx.offline)
        prefer_wheels = project.python is None or project.python.prefer_wheels is not False
        text = (lock / "uv.lock").read_text(encoding="utf-8")
        flake_dir = flake_dir_of(ctx.root)
        sdists = sdist_build_requires(
            text, flake_dir, prefer_wheels=prefer_wheels, offline=ctx.offline
        )
        build_requires = requires_of(text, prefer_wheels=prefer_wheels, sdist_requires=sdists)
    return Resolution(python_lock=lock, offline=ctx.offline, build_requires=build_requires)


def _needs_build(flake_dir: Path) -> str | None:
    """Why nix must build, or None."""
    if (flake_dir / state.UNFINISHED_MARKER).exists():
        return "an earlier build did not finish"
    if not (flake_dir / "result" / "rootfs").is_dir():
        return "the rootfs has not been built"
    built = flake_dir / BUILT_FLAKE_FILE
    if not built.exists() or built.read_text().strip() != flake_fingerprint(flake_dir):
        return "the flake changed"
    return None


def _root_inputs(flake_dir: Path) -> None:
    """GC roots for every flake input, so a garbage collection keeps the project buildable
    (and runnable) without network."""
    from . import nix

    roots = flake_dir / ".gcroots"
    for name, path in nix.flake_input_paths(flake_dir).items():
        nix.add_gc_root(path, roots / f"input-{name}")


def ensure_built(ctx: Context) -> Path:
    """The rootfs of ctx's project, built first if anything changed."""
    root = ctx.root
    config_path = ctx.config_path
    flake_dir = flake_dir_of(root)
    if state.is_fresh(str(root), __version__):
        return rootfs_of(root)
    with project_lock(flake_dir, "building"):
        if state.is_fresh(str(root), __version__):
            return rootfs_of(root)
        write_flake(ctx)
        reason = _needs_build(flake_dir)
        if reason is not None:
            _log.note(f"building the environment: {reason}")
            _build_explained(ctx, flake_dir)
        state.write_state(str(root), state_files(config_path, root, ctx.project), __version__)
    return rootfs_of(root)


def _build_explained(ctx: Context, flake_dir: Path) -> None:
    """`build_rootfs`; a nix error at a line of flake.nix names the config entry behind it."""
    from ..errors import AnysnakeError

    try:
        build_rootfs(flake_dir)
    except AnysnakeError as error:
        from .flake_origins import describe_error

        try:
            log = (flake_dir / "build.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            raise error from None
        where = describe_error(log, flake_dir / "flake.nix", ctx.project, ctx.config_path)
        if where is not None:
            error.message += "\n" + where
        raise


def write_flake(ctx: Context) -> bool:
    """Clone what is missing, resolve and render ctx's project into the flake directory;
    True when the flake changed."""
    from ..render.flake import render_flake
    from ..render.support import check_supported
    from ..render.write import write_flake_dir
    from ..resolve.editable_sdists import fetch_editable_sdists
    from .clones import perform_clones
    from .repair import repair_flake_dir

    repair_flake_dir(flake_dir_of(ctx.root))  # under the project lock (see callers)
    check_supported(ctx.project, ctx.config_path)
    project = pinned_project(ctx)
    perform_clones(project, ctx.root)
    fetch_editable_sdists(project, ctx.root, offline=ctx.offline)
    resolution = resolution_for(ctx, project)
    lock_missing = not (flake_dir_of(ctx.root) / "uv" / "uv.lock").exists()
    if project.python is not None and resolution.python_lock is None and lock_missing:
        _log.warn(
            "no Python lock yet: the flake reads .anysnake2_flake/uv/uv.lock, which "
            "'anysnake2 lock' writes; nix cannot build the Python part before that"
        )
    rendered = render_flake(project, resolution, root=ctx.root)  # logs its own warnings
    from ..render.nix_check import check_rendered_flake

    check_rendered_flake(rendered.flake_nix, flake_dir_of(ctx.root) / "flake.nix")
    return write_flake_dir(
        ctx.root, rendered, keep_user_flake=bool(project.anysnake2.do_not_modify_flake)
    )


def build_rootfs(flake_dir: Path) -> None:
    """`nix build` the rootfs (marker, build, GC roots, record what was built)."""
    from ..errors import FailureError
    from . import nix

    marker = flake_dir / state.UNFINISHED_MARKER
    interrupted = marker.exists()
    marker.write_text("in_progress\n")
    state.clear_state(str(flake_dir.parent))
    try:
        nix.build(flake_dir, "rootfs", "result")
    except FailureError:
        if not interrupted:
            raise
        # A killed nix can leave its builder running as another build user, still writing
        # the same output path while the next build makes it afresh: once it is done, a
        # second build succeeds. A real build error fails twice and is reported.
        _log.note("the build failed right after an interrupted one: building once more")
        nix.build(flake_dir, "rootfs", "result")
    _root_inputs(flake_dir)
    (flake_dir / BUILT_FLAKE_FILE).write_text(flake_fingerprint(flake_dir) + "\n")
    marker.unlink()
