"""Which locked Python packages need a build backend from us, and which one (pure: read by
resolve, which fetches the sdists, and by render, which writes the overlay).

uv2nix gives a package built from source a build backend only when it is a local project
(`directory`/`editable` sources: it reads their `pyproject.toml` itself, with setuptools
where `[build-system]` is missing). Every other source built from source gets none (real
uv2nix `lib/build.nix`, the `remote` builder: only `pyprojectHook` plus
`tool.uv.extra-build-dependencies`): git sources, sdists from an index or a URL, and
archives at a path. `build_requires` lists those, for the renderer:

- a `git` source: `GIT` (its `pyproject.toml` is read by Nix from the fetched checkout at
  evaluation: `builtins.fetchGit` runs at evaluation, so this is no import from a
  derivation, and its `[build-system] requires` hold for the exact locked revision);
- an sdist (from an index or a URL) that uv2nix builds from source: the `requires` of
  the `[build-system]` in the sdist's own `pyproject.toml`, read from the archive by the
  resolve step (`archive_build_requires`, keyed by the sdist's locked hash; see
  resolve/sdist_backends.py); `FALLBACK` (setuptools and wheel, what pip assumes) when
  it has none, or when it could not be read (offline): the Nix side applies it only when
  uv2nix really builds from source;
- a `path` source (an archive on disk): `FALLBACK`.

The uv2nix_hammer_overrides collection and `build_systems` from the config come on top.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Mapping
from typing import NamedTuple

from . import _toml

__all__ = [
    "CORE",
    "FALLBACK",
    "GIT",
    "SdistToRead",
    "archive_build_requires",
    "build_requires",
    "sdists_to_read",
]

GIT = ("<read from the checkout>",)
FALLBACK = ("setuptools", "wheel")
# build backends and their own dependencies: build-system-pkgs builds them, a setuptools
# fallback on them would be a cycle
CORE = frozenset(
    [
        "calver",
        "editables",
        "flit-core",
        "flit-scm",
        "hatch-fancy-pypi-readme",
        "hatch-vcs",
        "hatchling",
        "packaging",
        "pathspec",
        "pdm-backend",
        "pip",
        "pluggy",
        "poetry-core",
        "scikit-build-core",
        "setuptools",
        "setuptools-scm",
        "tomli",
        "trove-classifiers",
        "typing-extensions",
        "wheel",
    ]
)


def _from_source(package: Mapping[str, object], prefer_wheels: bool) -> bool:
    """True when uv2nix will (probably) build `package` from an sdist."""
    if not package.get("sdist"):
        return False
    return not prefer_wheels or not package.get("wheels")


class SdistToRead(NamedTuple):
    """An sdist whose `[build-system]` the flake needs: package name, URL, locked hash."""

    name: str
    url: str
    hash: str


def _packages(lock_text: str) -> list[dict]:
    lock = _toml.loads(lock_text)
    return [p for p in lock.get("package", []) if isinstance(p, dict)]


def _kind(package: Mapping[str, object], prefer_wheels: bool) -> str | None:
    """ "git", "path", "sdist" or None (wheel, local project, build backend itself)."""
    name = str(package.get("name", ""))
    source = package.get("source") or {}
    if not name or name in CORE or not isinstance(source, dict):
        return None
    if any(key in source for key in ("directory", "editable", "virtual")):
        return None  # a local project: uv2nix reads its [build-system] itself
    if "git" in source:
        return "git"
    if "path" in source:
        return "path"
    return "sdist" if _from_source(package, prefer_wheels) else None


def sdists_to_read(lock_text: str, *, prefer_wheels: bool = True) -> list[SdistToRead]:
    """The sdists of `lock_text` that uv2nix builds from source (sorted by name)."""
    found = []
    for package in _packages(lock_text):
        sdist = package.get("sdist") or {}
        if _kind(package, prefer_wheels) == "sdist" and sdist.get("url") and sdist.get("hash"):
            found.append(SdistToRead(str(package["name"]), sdist["url"], sdist["hash"]))
    return sorted(found)


def build_requires(
    lock_text: str,
    *,
    prefer_wheels: bool = True,
    sdist_requires: Mapping[str, tuple[str, ...]] | None = None,
) -> dict[str, tuple[str, ...]]:
    """{package name: build requirements} for the packages of `lock_text` (a uv.lock)
    that uv2nix builds from source without a backend: `GIT` for git sources (read by Nix),
    for sdists what `sdist_requires` (sdist hash → requires) says, else `FALLBACK`.
    Local projects and wheels are left out. Deterministic."""
    known = sdist_requires or {}
    found: dict[str, tuple[str, ...]] = {}
    for package in _packages(lock_text):
        kind = _kind(package, prefer_wheels)
        if kind == "git":
            found[package["name"]] = GIT
        elif kind == "path":
            found[package["name"]] = FALLBACK
        elif kind == "sdist":
            digest = (package.get("sdist") or {}).get("hash", "")
            found[package["name"]] = tuple(known.get(digest) or FALLBACK)
    return dict(sorted(found.items()))


def _top_pyproject(names: list[str]) -> str | None:
    """`<top folder>/pyproject.toml` of an sdist's member names, if there is one."""
    candidates = [n for n in names if n.count("/") == 1 and n.endswith("/pyproject.toml")]
    return min(candidates) if candidates else None


def archive_build_requires(data: bytes, filename: str) -> tuple[str, ...]:
    """`[build-system] requires` of the sdist archive `data` (.tar.gz, .tar.bz2, .zip):
    its top folder's `pyproject.toml`; `FALLBACK` without one or without that table."""
    text = None
    if filename.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            member = _top_pyproject(archive.namelist())
            if member is not None:
                text = archive.read(member).decode("utf-8", "replace")
    else:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            member = _top_pyproject(archive.getnames())
            handle = archive.extractfile(member) if member is not None else None
            if handle is not None:
                text = handle.read().decode("utf-8", "replace")
    if text is None:
        return FALLBACK
    try:
        requires = _toml.loads(text).get("build-system", {}).get("requires")
    except (_toml.TOMLDecodeError, AttributeError):
        return FALLBACK
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        return FALLBACK
    return tuple(requires) or FALLBACK
