"""The build steps that run nix, on explicit values: lock, freshness, fingerprint, build.

What decides that nix runs (`needs_build`): the flake's content differs from the last
successful build, `result/rootfs` is missing, or an earlier build did not finish (the
marker written before `nix build` is only removed after success: Ctrl-C leaves it). The
steps before (pin, clone, lock, render, write) are `anysnake2.pipeline`'s.
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
    from ..model import Project

__all__ = [
    "build_explained",
    "build_rootfs",
    "flake_dir_of",
    "flake_fingerprint",
    "needs_build",
    "project_lock",
    "record_built",
    "rootfs_of",
    "state_files",
]

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


def needs_build(flake_dir: Path) -> str | None:
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


def record_built(root: Path, config_path: Path, project: Project) -> None:
    """Store the hash of the files that define this build (`state`): the warm path's key."""
    state.write_state(str(root), state_files(config_path, root, project), __version__)


def build_explained(flake_dir: Path, project: Project, config_path: Path) -> None:
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
        where = describe_error(log, flake_dir / "flake.nix", project, config_path)
        if where is not None:
            error.message += "\n" + where
        raise


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
