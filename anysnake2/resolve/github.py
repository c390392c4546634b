"""GitHub REST API resolver: tags (paginated), default branch, branch heads, export-subst.

The API base comes from ANYSNAKE2_GITHUB_API_URL (default https://api.github.com), so
tests point it at a local server. Answers are cached in the shared `ResolveCache`: the
whole tag list per repository (any later tag lookup of that repository asks nothing),
the default branch, branch heads and the export-subst check.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import ConfigError
from . import _http
from .remote import NotCached, ResolvedRevision, newest_tag, unknown_ref_error

if TYPE_CHECKING:
    from .cache import ResolveCache

__all__ = ["api_base", "github_file_text", "github_uses_export_subst", "resolve_github"]

NS_TAGS = "github-tags"
NS_BRANCHES = "github-branches"
NS_DEFAULT = "github-default-branch"
NS_SUBST = "github-export-subst"
_PER_PAGE = 100
_MAX_PAGES = 500


def api_base() -> str:
    """The GitHub API base URL (ANYSNAKE2_GITHUB_API_URL or https://api.github.com)."""
    return os.environ.get("ANYSNAKE2_GITHUB_API_URL", "https://api.github.com").rstrip("/")


def resolve_github(
    owner: str,
    repo: str,
    ref: str | None,
    *,
    cache: ResolveCache,
    offline: bool = False,
    newest_tag_pattern: str | None = None,
    refresh: bool = False,
) -> ResolvedRevision:
    """Resolve a ref of github:owner/repo (see `remote.resolve_revision` for the rules).

    refresh=True ignores cached answers (to move a pin forward on purpose).
    """
    full = f"{owner}/{repo}"
    use_cache = not refresh
    if ref is not None:
        if use_cache:
            tags = cache.get(NS_TAGS, full)
            if tags and ref in tags:
                return ResolvedRevision(tags[ref], ref, "tag")
            sha = cache.get(NS_BRANCHES, f"{full}@{ref}")
            if sha:
                return ResolvedRevision(sha, ref, "branch")
        if offline:
            raise NotCached(f"github:{full} at {ref!r} is not in the resolve cache")
        tags = _fetch_tags(owner, repo, cache)
        if ref in tags:
            return ResolvedRevision(tags[ref], ref, "tag")
        sha = _fetch_branch(owner, repo, ref, cache)
        if sha is not None:
            return ResolvedRevision(sha, ref, "branch")
        raise unknown_ref_error(f"github:{full}", ref, list(tags) + _branch_names(owner, repo))
    if newest_tag_pattern is not None:
        tags = cache.get(NS_TAGS, full) if use_cache else None
        if tags is None:
            if offline:
                raise NotCached(f"the tags of github:{full} are not in the resolve cache")
            tags = _fetch_tags(owner, repo, cache)
        name = newest_tag(f"github:{full}", tags, newest_tag_pattern)
        return ResolvedRevision(tags[name], name, "newest-tag")
    branch = cache.get(NS_DEFAULT, full) if use_cache else None
    sha = cache.get(NS_BRANCHES, f"{full}@{branch}") if branch and use_cache else None
    if branch and sha:
        return ResolvedRevision(sha, branch, "default-branch")
    if offline:
        raise NotCached(f"the default branch of github:{full} is not in the resolve cache")
    branch = _fetch_default_branch(owner, repo, cache)
    sha = _fetch_branch(owner, repo, branch, cache)
    if sha is None:  # a default branch that does not exist: an empty repository
        raise ConfigError(f"github:{full} has no commits on its default branch '{branch}'")
    return ResolvedRevision(sha, branch, "default-branch")


def github_uses_export_subst(
    owner: str, repo: str, rev: str, *, cache: ResolveCache, offline: bool = False
) -> bool:
    """True when .gitattributes at `rev` mentions export-subst (GitHub's tarball then varies).

    Such sources are better fetched with git. Cached per owner/repo@rev.
    """
    key = f"{owner}/{repo}@{rev}"
    cached = cache.get(NS_SUBST, key)
    if cached is not None:
        return bool(cached)
    if offline:
        raise NotCached(f"the .gitattributes check of github:{key} is not in the resolve cache")
    url = f"{api_base()}/repos/{owner}/{repo}/contents/.gitattributes"
    response = _http.get(url, params={"ref": rev}, github=True)
    found = False
    if response.status_code != 404:
        body = _json(response, url)
        content = body.get("content", "") if isinstance(body, dict) else ""
        try:
            text = base64.b64decode(content).decode("utf-8", "replace")
        except ValueError:
            text = ""
        found = "export-subst" in text
    cache.put(NS_SUBST, key, found)
    return found


def github_file_text(owner: str, repo: str, rev: str, path: str) -> str | None:
    """The text of `path` at `rev` (contents API, base64), None when there is no such file.

    Not cached: callers cache what they derive from it (files may be large).
    """
    url = f"{api_base()}/repos/{owner}/{repo}/contents/{quote(path)}"
    response = _http.get(url, params={"ref": rev}, github=True)
    if response.status_code == 404:
        return None
    body = _json(response, url)
    content = body.get("content", "") if isinstance(body, dict) else ""
    try:
        return base64.b64decode(content).decode("utf-8", "replace")
    except ValueError:
        raise _bad_answer(url) from None


def _fetch_tags(owner: str, repo: str, cache: ResolveCache) -> dict[str, str]:
    """All tags of the repository, name -> commit sha (the API gives the peeled commit)."""
    url: str | None = f"{api_base()}/repos/{owner}/{repo}/tags"
    params: dict[str, str | int] | None = {"per_page": _PER_PAGE, "page": 1}
    tags: dict[str, str] = {}
    for page in range(1, _MAX_PAGES + 1):
        assert url is not None
        response = _http.get(url, params=params, github=True)
        if response.status_code == 404:
            raise _repo_not_found(owner, repo)
        items = _json(response, url)
        if not isinstance(items, list):
            raise _bad_answer(url)
        for item in items:
            tags[item["name"]] = item["commit"]["sha"]
        next_url = response.links.get("next", {}).get("url")
        if next_url:
            url, params = next_url, None
        elif len(items) < _PER_PAGE:
            break
        else:
            params = {"per_page": _PER_PAGE, "page": page + 1}
    cache.put(NS_TAGS, f"{owner}/{repo}", dict(sorted(tags.items())))
    return tags


def _fetch_branch(owner: str, repo: str, branch: str, cache: ResolveCache) -> str | None:
    url = f"{api_base()}/repos/{owner}/{repo}/branches/{quote(branch, safe='/')}"
    response = _http.get(url, github=True)
    if response.status_code == 404:
        return None
    body = _json(response, url)
    try:
        sha = str(body["commit"]["sha"])
    except (KeyError, TypeError):
        raise _bad_answer(url) from None
    cache.put(NS_BRANCHES, f"{owner}/{repo}@{branch}", sha)
    return sha


def _fetch_default_branch(owner: str, repo: str, cache: ResolveCache) -> str:
    url = f"{api_base()}/repos/{owner}/{repo}"
    response = _http.get(url, github=True)
    if response.status_code == 404:
        raise _repo_not_found(owner, repo)
    body = _json(response, url)
    branch = body.get("default_branch") if isinstance(body, dict) else None
    if not isinstance(branch, str) or not branch:
        raise _bad_answer(url)
    cache.put(NS_DEFAULT, f"{owner}/{repo}", branch)
    return branch


def _branch_names(owner: str, repo: str) -> list[str]:
    """Branch names for a suggestion (first page only: enough to spot a typo)."""
    url = f"{api_base()}/repos/{owner}/{repo}/branches"
    response = _http.get(url, params={"per_page": _PER_PAGE}, github=True)
    if response.status_code == 404:
        raise _repo_not_found(owner, repo)
    items = _json(response, url)
    return [item["name"] for item in items] if isinstance(items, list) else []


def _json(response: Any, url: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise _bad_answer(url) from None


def _repo_not_found(owner: str, repo: str) -> ConfigError:
    return ConfigError(
        f"repository {owner}/{repo} not found on GitHub",
        hint="check the owner and repository name; a private repository needs a token "
        "(ANYSNAKE2_GITHUB_API_USERNAME/ANYSNAKE2_GITHUB_API_PASSWORD or GITHUB_TOKEN)",
    )


def _bad_answer(url: str) -> Exception:
    from ..errors import NetworkError

    return NetworkError(f"{url} gave an answer that is not the expected GitHub API JSON")
