"""Editable packages without a URL: the sdist of their version from PyPI (the one PyPI
client, resolve.pypi), unpacked into the checkout folder (as the original did)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import _log
from .._values import resolve_inside
from ..errors import FailureError
from ..model import Project
from . import _http
from .pypi import index_auth, project_json

__all__ = ["Sdist", "choose_sdist", "fetch_editable_sdists"]


@dataclass(frozen=True)
class Sdist:
    """The sdist chosen for an editable package without a URL."""

    name: str
    version: str
    url: str
    sha256: str | None


def fetch_editable_sdists(project: Project, root: Path, *, offline: bool) -> list[Path]:
    """Unpack the sdist of every editable package without a URL whose checkout is missing
    or empty (as the original did); returns the checkouts made (sorted by name).

    The version is the newest release with an sdist that meets the package's version
    (`==1.2`, `>=1`, or any), uploaded up to the ecosystem date (any date for `pypi`
    packages). Runs before the lock, which then reads the checkout's dependencies. An
    existing, non-empty checkout is never touched.
    """
    if project.python is None:
        return []
    made = []
    for name, package in sorted(project.python.packages.items()):
        if package.editable is None or package.source is not None:
            continue
        target = root / package.editable / name
        resolve_inside(root, f"{package.editable}/{name}", f"python.packages.{name}.editable")
        if target.is_dir() and any(target.iterdir()):
            continue
        if target.exists() and not target.is_dir():
            raise FailureError(
                f"editable python package {name}: {target} exists and is not a folder",
                hint="move it away; the sdist is unpacked only into a missing or empty folder",
            )
        if offline:
            from ..errors import NetworkError

            raise NetworkError(
                f"editable python package {name} must be fetched from PyPI into {target}",
                hint="run without --offline once",
            )
        date = None if package.pypi else project.python.ecosystem_date
        sdist = choose_sdist(name, package.version, date)
        from .._progress import Step

        what = f"fetching {sdist.name} {sdist.version} (sdist) into {target}"
        with Step(what, done=f"unpacked {sdist.name} {sdist.version} into {target}"):
            _unpack_into_place(sdist, target)
        made.append(target)
    return made


def _pypi_json(name: str) -> dict[str, Any]:
    from ..errors import ConfigError

    url, data = project_json(name)
    if data is None:
        raise ConfigError(
            f"editable python package {name} is not on PyPI ({url} answered 404)",
            hint="give it a url (git+https://...) or check the name",
        )
    return data


def choose_sdist(name: str, version: str, date: str | None) -> Sdist:
    """The newest sdist of `name` meeting the specifier `version`, uploaded by `date`
    (ISO day, inclusive; None: any). ConfigError (65) when there is none."""
    import datetime as dt

    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    from ..errors import ConfigError

    try:
        wanted = SpecifierSet(version)
    except InvalidSpecifier:
        raise ConfigError(
            f"python.packages.{name}: {version!r} is not a version specifier"
        ) from None
    cutoff = (dt.date.fromisoformat(date) + dt.timedelta(days=1)).isoformat() if date else None
    best: tuple[Version, dict[str, Any]] | None = None
    releases = _pypi_json(name).get("releases", {})
    for text, files in releases.items() if isinstance(releases, dict) else ():
        try:
            parsed = Version(text)
        except InvalidVersion:
            continue
        # Pre-releases only when the specifier names one (as pip and uv do).
        if not wanted.contains(parsed, prereleases=bool(wanted.prereleases)):
            continue
        if not isinstance(files, list):
            continue
        for item in files:
            if not isinstance(item, dict) or item.get("packagetype") != "sdist":
                continue
            if item.get("yanked"):
                continue
            uploaded = str(item.get("upload_time_iso_8601") or item.get("upload_time") or "")
            if cutoff is not None and uploaded[:10] >= cutoff:
                continue
            if best is None or parsed > best[0]:
                best = (parsed, item)
    if best is None:
        when = f" uploaded by {date}" if date else ""
        raise ConfigError(
            f"editable python package {name}: PyPI has no sdist for {version or 'any version'}"
            f"{when}",
            hint="change its version or the ecosystem date, or give it a url",
        )
    digests = best[1].get("digests")
    sha = digests.get("sha256") if isinstance(digests, dict) else None
    return Sdist(name, str(best[0]), str(best[1]["url"]), sha)


def _unpack_into_place(sdist: Sdist, target: Path) -> None:
    """Download and unpack (first path component stripped) into a temporary sibling, then
    rename it to `target`: an interrupted fetch leaves nothing half-made."""
    import hashlib
    import os
    import shutil
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.sdist-", dir=target.parent))
    try:
        archive = work / "sdist.tar.gz"
        _http.download(sdist.url, archive, auth=index_auth(sdist.url))
        if sdist.sha256 is not None:
            got = hashlib.sha256(archive.read_bytes()).hexdigest()
            if got != sdist.sha256:
                raise FailureError(
                    f"{sdist.url}: sha256 {got} does not match PyPI's {sdist.sha256}",
                    hint="run again; if it persists, the download is being tampered with",
                )
        unpacked = work / "tree"
        unpacked.mkdir()
        _safe_untar(archive, unpacked, sdist.url)
        if target.is_dir():
            target.rmdir()  # empty (checked by the caller)
        os.replace(unpacked, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _safe_untar(archive: Path, dest: Path, what: str) -> None:
    """Extract regular files and folders with the first path component stripped.

    Links, devices and names that are absolute or contain `..` are refused or skipped:
    an archive cannot write outside `dest`.
    """
    import tarfile

    try:
        with tarfile.open(archive) as tar:
            _extract_members(tar, dest, what)
    except tarfile.TarError as error:
        raise FailureError(f"{what} is not a readable tar archive ({error})") from None


def _extract_members(tar: Any, dest: Path, what: str) -> None:
    """Regular files and folders, first path component stripped, no escapes."""
    import copy
    import tarfile

    for member in tar.getmembers():
        parts = [p for p in member.name.split("/") if p not in ("", ".")]
        if member.name.startswith("/") or ".." in parts:
            raise FailureError(f"{what}: refusing the unsafe archive member {member.name!r}")
        if len(parts) < 2:
            continue
        if not (member.isfile() or member.isdir()):
            _log.warn(f"{what}: skipping {member.name!r} (not a file or folder)")
            continue
        inner = copy.copy(member)
        inner.name = "/".join(parts[1:])
        inner.mode = (0o755 if member.isdir() or member.mode & 0o111 else 0o644) | 0o200
        if hasattr(tarfile, "data_filter"):
            tar.extract(inner, dest, filter="data")
        else:  # Python < 3.11.4: the checks above already refused escapes
            tar.extract(inner, dest)
