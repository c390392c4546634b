"""The one PyPI client: a project's JSON API answer, and its newest version (cached)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .._util.names import normalize_name
from ..errors import ConfigError, NetworkError
from . import _http

if TYPE_CHECKING:
    from .cache import ResolveCache

__all__ = ["PYPI_JSON_ENV", "index_auth", "index_base", "newest_version", "project_json"]

NS_PYPI = "pypi-newest"
#: Overrides the PyPI base URL (`<base>/pypi/<name>/json`), e.g. for a local test index.
PYPI_JSON_ENV = "ANYSNAKE2_PYPI_JSON_URL"


def index_base() -> str:
    """The JSON API base (ANYSNAKE2_PYPI_JSON_URL, default https://pypi.org)."""
    return os.environ.get(PYPI_JSON_ENV, "https://pypi.org").rstrip("/")


def project_json(name: str) -> tuple[str, dict[str, Any] | None]:
    """(URL, decoded answer) of {index}/pypi/<name>/json; the answer is None when PyPI
    has no such project (404). NetworkError when the answer is not a JSON object."""
    from .. import credentials

    fetch = f"{index_base()}/pypi/{quote(name)}/json"
    url = credentials.remember(fetch)  # shown in messages; requests sends the userinfo
    response = _http.get(fetch)
    if response.status_code == 404:
        return url, None
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise NetworkError(f"{url} did not answer a JSON object")
    return url, data


def newest_version(
    name: str, *, cache: ResolveCache, offline: bool = False, refresh: bool = False
) -> str:
    """info.version of {index}/pypi/<name>/json; cached under the normalised name
    (`refresh`: ask PyPI even when the cache knows an answer)."""
    from .remote import NotCached

    key = normalize_name(name)
    cached = cache.get(NS_PYPI, key)
    if isinstance(cached, str) and not refresh:
        return cached
    if offline:
        raise NotCached(f"the newest version of {name} on PyPI is not in the resolve cache")
    url, data = project_json(key)
    if data is None:
        raise ConfigError(
            f"no package {name} on PyPI", hint="check the package name (pypi.org/project/...)"
        )
    try:
        version = data["info"]["version"]
    except (KeyError, TypeError):
        raise NetworkError(f"{url} gave an answer without info.version") from None
    if not isinstance(version, str) or not version:
        raise NetworkError(f"{url} gave an answer without info.version")
    cache.put(NS_PYPI, key, version)
    return version


def index_auth(url: str) -> tuple[str, str] | None:
    """The credentials of the index URL (`PYPI_JSON_ENV`) for a file on the same server
    (a private index serves its files behind the same login)."""
    from urllib.parse import urlsplit

    from .. import credentials

    _, credential = credentials.split(index_base())
    if credential is None or urlsplit(url).netloc != credential.host:
        return None
    return credential.username, credential.password
