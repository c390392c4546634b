"""Python packages locked from a local folder: mercurial, `patch_before_lock` and `file://`.

uv cannot fetch mercurial, a patched source must be patched before locking, and a
`file://` folder lies anywhere on this machine. Each becomes a folder below the lock
workspace, `sources/<kind>/<name>[-<rev>]`, named in the lock by that relative path. The
renderer copies those folders (without `.git`/`.hg`) to `.anysnake2_flake/uv/sources/`,
where the copied `uv.lock` names them by the same relative path and git tracks them: the
flake source contains every `directory` source of the lock, and the lock does not depend
on where the project lives.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FailureError, NetworkError

if TYPE_CHECKING:
    from ..model import PythonPackage
    from ..sources import Source

__all__ = [
    "SOURCES",
    "LocalSource",
    "local_folder",
    "prepare_local",
    "prune_local_sources",
    "refresh_local_sources",
    "source_files",
]

#: Below the lock workspace and below `.anysnake2_flake/uv/`.
SOURCES = "sources"
# Not part of a source: version control data, and what Python writes when importing.
_SKIPPED = frozenset({".git", ".hg", ".jj", ".svn", "__pycache__"})


@dataclass(frozen=True)
class LocalSource:
    """A source uv cannot fetch itself (mercurial, `file://`) or that must be patched first."""

    name: str
    source: Source
    folder: str  # below the lock workspace, e.g. "sources/hg/foo-<rev>"
    patch: str | None


def local_folder(package: PythonPackage) -> str | None:
    """Folder below the lock workspace for sources locked from a local copy, else None."""
    source = package.source
    if source is None:
        return None
    if source.kind == "file":
        return f"{SOURCES}/file/{package.name}"
    if source.kind not in ("hg", "git", "github"):
        return None
    if source.kind != "hg" and not package.patch_before_lock:
        return None
    kind = "hg" if source.kind == "hg" else "patched"
    label = source.rev or source.ref or "default"
    return f"{SOURCES}/{kind}/{package.name}-{re.sub(r'[^A-Za-z0-9._-]', '_', label)}"


def _ignore(_folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name in _SKIPPED]


def refresh_local_sources(
    sources: tuple[LocalSource, ...], workspace: Path, *, root: Path, offline: bool
) -> list[Path]:
    """Make every local source's folder below `workspace` where it is missing; a `file://`
    folder is copied again each time (its content may have changed); folders of sources
    no longer wanted are removed. Returns the folders."""
    prune_local_sources(sources, workspace)
    folders = []
    for local in sources:
        dest = workspace / local.folder
        if local.source.kind == "file" or not dest.is_dir():
            if offline and local.source.kind != "file":
                raise NetworkError(
                    f"python.packages.{local.name} must be fetched into {dest}, "
                    "which needs the network",
                    hint="run without --offline once",
                )
            prepare_local(local, dest, root=root)
        folders.append(dest)
    return folders


def prune_local_sources(sources: tuple[LocalSource, ...], workspace: Path) -> None:
    """Remove the folders below `workspace/sources/<kind>/` that `sources` do not name."""
    wanted = {local.folder for local in sources}
    top = workspace / SOURCES
    for kind in sorted(top.iterdir()) if top.is_dir() else ():
        for folder in sorted(kind.iterdir()) if kind.is_dir() else ():
            if folder.relative_to(workspace).as_posix() in wanted:
                continue
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder)
            else:
                folder.unlink()
        if kind.is_dir() and not any(kind.iterdir()):
            kind.rmdir()


def source_files(workspace: Path) -> dict[str, Path]:
    """Every file of the local sources below `workspace` (`sources/...` → file), without
    version control data and bytecode caches; sorted."""
    found: dict[str, Path] = {}
    top = workspace / SOURCES
    if not top.is_dir():
        return found
    stack = [top]
    while stack:
        folder = stack.pop()
        for entry in folder.iterdir():
            if entry.name in _SKIPPED:
                continue
            if entry.is_dir() and not entry.is_symlink():
                stack.append(entry)
            elif entry.is_file():
                found[entry.relative_to(workspace).as_posix()] = entry
    return dict(sorted(found.items()))


def prepare_local(local: LocalSource, dest: Path, *, root: Path) -> None:
    """A fresh copy of `local.source` in dest (a clone, or the `file://` folder's files:
    a relative `file://./x` is relative to the project `root`), patched when asked."""
    from .. import credentials

    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = local.source
    what = f"fetching python.packages.{local.name} from {source.to_url(credentials=False)}"
    if source.kind == "file":
        origin = root / source.fetch_url  # an absolute path stays as it is
        if not origin.is_dir():
            raise FailureError(
                f"python.packages.{local.name}: {origin} ({source.location}) is not a folder",
                hint="file:// URLs name a folder holding the package (its pyproject.toml)",
            )
        shutil.copytree(origin, dest, symlinks=False, ignore=_ignore)
    else:
        credentials.clone(
            "hg" if source.kind == "hg" else "git",
            source.fetch_url,
            dest,
            ref=source.ref,
            rev=source.rev,
            what=f"{what} failed",
            hint="check the URL and the network; a private repository needs a credential "
            "helper (README, Security)",
        )
    if local.patch:
        _patch(local, dest)


def _patch(local: LocalSource, dest: Path) -> None:
    from .. import _proc

    script = "set -euo pipefail\n" + (local.patch or "")
    proc = _proc.run(["bash", "-c", script], cwd=dest, check=False)
    if proc.returncode != 0:
        tail = "\n".join("  | " + line for line in (proc.stderr or "").splitlines()[-20:])
        raise FailureError(
            f"python.packages.{local.name}.patch_before_lock failed with exit code "
            f"{proc.returncode}\n{tail}",
            hint=f"the script ran with set -euo pipefail in a copy at {dest}",
        )
