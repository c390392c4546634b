"""Read the build backend of each sdist the flake builds from source (network, cached).

uv2nix gives an sdist no build backend (anysnake2/build_systems.py); the backend is in the
sdist's own `pyproject.toml`, which only the archive holds. This downloads each such sdist
once from the URL the lock names, checks it against the lock's hash, and keeps the answer
in the resolve cache (`.anysnake2_flake/resolve_cache.json`, namespace
`sdist-build-requires`, keyed by that hash), so later runs and `--offline` need no
network. Without network and without a cached answer the renderer falls back to
setuptools.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .. import _log
from ..build_systems import archive_build_requires, sdists_to_read
from ..errors import AnysnakeError
from .cache import ResolveCache

__all__ = ["NAMESPACE", "sdist_build_requires"]

NAMESPACE = "sdist-build-requires"


def _download(url: str, digest: str) -> bytes | None:
    """The archive at `url` if its hash is the locked `digest` (`sha256:<hex>`)."""
    from . import _http

    algorithm, _, expected = digest.partition(":")
    data = _http.get(url, ok_statuses=()).content
    if algorithm not in hashlib.algorithms_available:
        return None
    if hashlib.new(algorithm, data).hexdigest() != expected:
        _log.warn(f"{url} does not match the hash in the Python lock; its backend is not read")
        return None
    return data


def sdist_build_requires(
    lock_text: str, flake_dir: Path, *, prefer_wheels: bool, offline: bool
) -> dict[str, tuple[str, ...]]:
    """{sdist hash: `[build-system] requires`} for the sdists of `lock_text` that are built
    from source, from the cache or (unless `offline`) read from the downloaded archive."""
    cache = ResolveCache(Path(flake_dir) / "resolve_cache.json")
    found: dict[str, tuple[str, ...]] = {}
    missing = []
    for sdist in sdists_to_read(lock_text, prefer_wheels=prefer_wheels):
        cached = cache.get(NAMESPACE, sdist.hash)
        if isinstance(cached, list):
            found[sdist.hash] = tuple(cached)
            continue
        if offline:
            missing.append(sdist.name)
            continue
        try:
            data = _download(sdist.url, sdist.hash)
        except AnysnakeError as error:
            _log.warn(f"could not read the build backend of {sdist.name}: {error.message}")
            missing.append(sdist.name)
            continue
        if data is not None:
            found[sdist.hash] = archive_build_requires(data, sdist.url)
            cache.put(NAMESPACE, sdist.hash, list(found[sdist.hash]))
    cache.save()
    if missing:
        _log.note(
            "the build backend of " + ", ".join(missing) + " is assumed to be setuptools "
            "(their sdists could not be read now; they are at the next build with network)"
        )
    return found
