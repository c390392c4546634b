"""The newest version of a package on PyPI (its JSON API), cached."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..errors import ConfigError, NetworkError
from . import _http

if TYPE_CHECKING:
    from .cache import ResolveCache

__all__ = ["index_base", "newest_version"]

NS_PYPI = "pypi-newest"


def index_base() -> str:
    """The JSON API base (ANYSNAKE2_PYPI_JSON_URL, default https://pypi.org)."""
    return os.environ.get("ANYSNAKE2_PYPI_JSON_URL", "https://pypi.org").rstrip("/")


def newest_version(
    name: str, *, cache: ResolveCache, offline: bool = False, refresh: bool = False
) -> str:
    """info.version of {index}/pypi/<name>/json; cached under the normalised name
    (`refresh`: ask PyPI even when the cache knows an answer)."""
    from packaging.utils import canonicalize_name

    from .remote import NotCached

    key = str(canonicalize_name(name))
    cached = cache.get(NS_PYPI, key)
    if isinstance(cached, str) and not refresh:
        return cached
    if offline:
        raise NotCached(f"the newest version of {name} on PyPI is not in the resolve cache")
    url = f"{index_base()}/pypi/{quote(key)}/json"
    response = _http.get(url)
    if response.status_code == 404:
        raise ConfigError(
            f"no package {name} on PyPI", hint="check the package name (pypi.org/project/...)"
        )
    try:
        version = response.json()["info"]["version"]
    except (ValueError, KeyError, TypeError):
        raise NetworkError(f"{url} gave an answer without info.version") from None
    if not isinstance(version, str) or not version:
        raise NetworkError(f"{url} gave an answer without info.version")
    cache.put(NS_PYPI, key, version)
    return version
