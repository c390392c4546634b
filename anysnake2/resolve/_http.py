"""The shared HTTP client of the resolvers: one requests session, timeouts, retries, errors.

A connection that fails, an answer that breaks off or a server error (500, 502, 503, 504)
is retried (`RETRIES` times, with urllib3's backoff: at once, after 0.5 s, after 1 s) before it
counts as a network error.

requests is imported inside the functions (it costs ~90 ms and the warm path never
resolves). Proxies come from HTTPS_PROXY/HTTP_PROXY/NO_PROXY in either case: requests'
``trust_env`` reads them through urllib, which accepts both spellings.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..errors import NetworkError

if TYPE_CHECKING:
    from pathlib import Path

    import requests

__all__ = ["RETRIES", "TIMEOUT", "USER_AGENT", "download", "get", "github_auth", "session"]

TIMEOUT = 30.0
RETRIES = 3
_RETRY_STATUSES = (500, 502, 503, 504)
USER_AGENT = f"anysnake2/{__version__}"

_TOKEN_HINT = (
    "set a GitHub token: ANYSNAKE2_GITHUB_API_USERNAME and ANYSNAKE2_GITHUB_API_PASSWORD "
    "(user name and personal access token), or GITHUB_TOKEN"
)

_state: dict[str, Any] = {}


def session() -> requests.Session:
    """The process-wide session (created on first use)."""
    if "session" not in _state:
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util import Retry

        sess = requests.Session()
        sess.trust_env = True
        retry = Retry(
            total=RETRIES,
            other=0,  # e.g. a proxy that refuses the tunnel: asking again changes nothing
            backoff_factor=0.25,
            status_forcelist=_RETRY_STATUSES,
            allowed_methods=("GET",),
            raise_on_status=False,  # the last answer is judged below, with its status
            respect_retry_after_header=False,  # a long Retry-After must not hang a build
        )
        for prefix in ("http://", "https://"):
            sess.mount(prefix, HTTPAdapter(max_retries=retry))
        sess.headers["User-Agent"] = USER_AGENT
        _state["session"] = sess
    return _state["session"]


def github_auth() -> tuple[tuple[str, str] | None, dict[str, str]]:
    """(basic auth, extra headers) for the GitHub API from the environment.

    ANYSNAKE2_GITHUB_API_USERNAME + ANYSNAKE2_GITHUB_API_PASSWORD (the original's variables)
    win; else GITHUB_TOKEN is sent as a bearer token; else nothing.
    """
    user = os.environ.get("ANYSNAKE2_GITHUB_API_USERNAME", "")
    password = os.environ.get("ANYSNAKE2_GITHUB_API_PASSWORD", "")
    if user and password:
        return (user, password), {}
    token = os.environ.get("GITHUB_TOKEN", "")
    if token:
        return None, {"Authorization": f"Bearer {token}"}
    return None, {}


def get(
    url: str,
    *,
    params: dict[str, str | int] | None = None,
    github: bool = False,
    ok_statuses: tuple[int, ...] = (404,),
) -> requests.Response:
    """GET url; returns 2xx answers and those in `ok_statuses`, else raises NetworkError.

    github=True adds the GitHub API headers and credentials and explains rate limits.
    """
    import requests

    from .. import credentials

    shown = credentials.remember(url)  # requests sends a URL's user:password itself
    headers: dict[str, str] = {}
    auth = None
    if github:
        headers["Accept"] = "application/vnd.github+json"
        headers["X-GitHub-Api-Version"] = "2022-11-28"
        auth, extra = github_auth()
        headers.update(extra)
    try:
        response = session().get(url, params=params, headers=headers, auth=auth, timeout=TIMEOUT)
    except requests.exceptions.RequestException as exc:
        raise _unreachable(shown, exc) from None
    status = response.status_code
    if 200 <= status < 300 or status in ok_statuses:
        return response
    if github and _is_rate_limited(response):
        raise NetworkError(
            f"the GitHub API rate limit was hit (HTTP {status} from {shown}); "
            f"{_reset_text(response)}",
            hint=_TOKEN_HINT + "; authenticated requests get a much higher limit",
        )
    if github and status == 401:
        raise NetworkError(
            f"the GitHub API refused the credentials (HTTP 401 from {shown})",
            hint="check ANYSNAKE2_GITHUB_API_USERNAME/ANYSNAKE2_GITHUB_API_PASSWORD or "
            "GITHUB_TOKEN (expired or revoked?)",
        )
    if status >= 500:
        raise NetworkError(
            f"{shown} answered HTTP {status} (a server error)", hint="try again later"
        )
    raise NetworkError(f"{shown} answered HTTP {status}", hint="check the URL and try again later")


def download(url: str, target: Path, *, auth: tuple[str, str] | None = None) -> None:
    """Stream the 2xx answer of `url` into the file `target` (`auth`: basic auth for it);
    NetworkError otherwise."""
    import requests

    from .. import credentials

    shown = credentials.remember(url)
    try:
        with session().get(url, timeout=TIMEOUT, stream=True, auth=auth) as response:
            if not 200 <= response.status_code < 300:
                raise NetworkError(
                    f"{shown} answered HTTP {response.status_code}",
                    hint="check the URL and try again later",
                )
            with open(target, "wb") as handle:
                handle.writelines(response.iter_content(1 << 16))
    except requests.exceptions.RequestException as exc:
        raise _unreachable(shown, exc) from None


def _unreachable(url: str, exc: Exception) -> NetworkError:
    """The NetworkError for a request that got no answer (`exc` from requests)."""
    import requests

    if isinstance(exc, requests.exceptions.ProxyError):
        return NetworkError(
            f"could not reach {url} through the configured proxy ({type(exc).__name__})",
            hint="check HTTPS_PROXY/HTTP_PROXY (and NO_PROXY), or use --offline "
            "when everything is already resolved",
        )
    return NetworkError(
        f"could not reach {url} ({type(exc).__name__})",
        hint="check the network; behind a proxy set HTTPS_PROXY/HTTP_PROXY; "
        "use --offline when everything is already resolved",
    )


def _is_rate_limited(response: requests.Response) -> bool:
    if response.status_code not in (403, 429):
        return False
    headers = response.headers
    return headers.get("X-RateLimit-Remaining") == "0" or "Retry-After" in headers


def _reset_text(response: requests.Response) -> str:
    headers = response.headers
    reset = headers.get("X-RateLimit-Reset", "")
    if reset.isdigit():
        when = _dt.datetime.fromtimestamp(int(reset), tz=_dt.timezone.utc)
        return f"it resets at {when:%Y-%m-%d %H:%M:%S} UTC"
    retry = headers.get("Retry-After", "")
    if retry.isdigit():
        return f"retry after {retry} seconds"
    return "try again later"
