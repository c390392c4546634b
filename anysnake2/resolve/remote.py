"""The resolver facade: a source URL plus a tag or branch (or nothing) -> a revision.

The orchestration calls only this module. GitHub goes through the REST API
(`resolve.github`), any other git URL through one `git ls-remote`, mercurial through
`hg id`; every answer is cached in the shared `ResolveCache`, so a second lookup of
the same thing runs no process and makes no request.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlsplit

from .._proc import run
from .._util.github import split_github
from .._util.names import is_full_rev
from ..errors import ConfigError, FailureError, NetworkError
from ..sources import strip_credentials

if TYPE_CHECKING:
    from .cache import ResolveCache

__all__ = [
    "NotCached",
    "RefKind",
    "ResolvedRevision",
    "newest_pypi_version",
    "newest_tag",
    "resolve_revision",
    "unknown_ref_error",
]

RefKind = Literal["tag", "branch", "newest-tag", "default-branch"]

NS_GIT = "git-refs"
NS_HG = "hg-ids"
VCS_TIMEOUT = 120.0


@dataclass(frozen=True)
class ResolvedRevision:
    """A resolved revision and where it came from."""

    rev: str
    """40 hex digits."""
    ref: str | None
    """The tag or branch it came from (for a default request: the branch or newest tag)."""
    ref_kind: RefKind


class NotCached(Exception):
    """offline and the cache cannot answer"""


def resolve_revision(
    url: str,
    ref: str | None,
    *,
    cache: ResolveCache,
    offline: bool = False,
    newest_tag_pattern: str | None = None,
    refresh: bool = False,
) -> ResolvedRevision:
    """The commit that `ref` of `url` names.

    url: github:OWNER/REPO (also github:/OWNER/REPO), git+https://..., git+ssh://...,
    git+file:///abs or a plain /abs path, hg+https://..., hg+file:///abs or hg+/abs.
    It carries no rev/ref part. Credentials inside it are used but never logged or cached.

    - ref given: a tag or branch name -> its commit (annotated tags peeled). A tag wins
      over a branch of the same name.
    - ref None and newest_tag_pattern given: the newest tag matching the regex (searched
      with `re.search`), compared as versions -> ref_kind "newest-tag".
    - ref None otherwise: the head of the default branch -> ref_kind "default-branch".
    - offline=True: answer from the cache only, else raise NotCached.
    - refresh=True: ignore cached answers (to move a pin forward on purpose).

    ConfigError (65) for an unknown repository, tag or branch; NetworkError (75) when the
    network fails or GitHub's rate limit is hit.
    """
    if url.startswith("github:"):
        from .github import resolve_github

        owner, repo = _github_owner_repo(url)
        return resolve_github(
            owner,
            repo,
            ref,
            cache=cache,
            offline=offline,
            newest_tag_pattern=newest_tag_pattern,
            refresh=refresh,
        )
    if url.startswith("hg+"):
        return _resolve_hg(_hg_location(url), ref, cache=cache, offline=offline, refresh=refresh)
    if url.startswith(("git+", "/")):
        location = url.removeprefix("git+")
        return _resolve_git(
            location,
            ref,
            cache=cache,
            offline=offline,
            newest_tag_pattern=newest_tag_pattern,
            refresh=refresh,
        )
    raise ConfigError(
        f"cannot resolve a revision of '{strip_credentials(url)}'",
        hint="revisions are looked up for github:owner/repo, git+<url> and hg+<url> sources",
    )


def newest_pypi_version(
    name: str, *, cache: ResolveCache, offline: bool = False, refresh: bool = False
) -> str:
    """info.version from {index}/pypi/<name>/json (index from ANYSNAKE2_PYPI_JSON_URL,
    default https://pypi.org); cached (`refresh`: ask again)."""
    from .pypi import newest_version

    return newest_version(name, cache=cache, offline=offline, refresh=refresh)


def newest_tag(where: str, names: Iterable[str], pattern: str) -> str:
    """The newest of `names` matching `pattern`, compared as dotted numbers."""
    regex = re.compile(pattern)
    matching = [name for name in names if regex.search(name)]
    if not matching:
        shown = ", ".join(sorted(names, key=_version_key)[-10:]) or "none"
        raise ConfigError(
            f"{where} has no tag matching /{pattern}/ (newest tags: {shown})",
            hint="name a tag or revision explicitly",
        )
    return max(matching, key=_version_key)


def unknown_ref_error(where: str, ref: str, known: Iterable[str]) -> ConfigError:
    """ConfigError for a tag/branch that does not exist, with the nearest names."""
    names = sorted(set(known))
    near = difflib.get_close_matches(ref, names, n=5, cutoff=0.5)
    if near:
        listing = "did you mean: " + ", ".join(near) + "?"
    elif names:
        listing = "known tags and branches include: " + ", ".join(names[:10])
    else:
        listing = "it has no tags or branches"
    return ConfigError(
        f"{where} has no tag or branch '{ref}'",
        hint=f"{listing} (or give a full 40-hex revision)",
    )


def _version_key(name: str) -> tuple[tuple[int, ...], str]:
    return tuple(int(part) for part in re.findall(r"\d+", name)), name


def _github_owner_repo(url: str) -> tuple[str, str]:
    owner_repo, extra = split_github(url)
    owner, _, repo = owner_repo.partition("/")
    if extra or not owner or not repo:
        raise ConfigError(
            f"'{url}': expected github:OWNER/REPO here (tag, branch and rev are given apart)"
        )
    return owner, repo


# --- git -------------------------------------------------------------------------------


def _secrets(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    return [s for s in (parts.password, parts.username) if s] + [
        unquote(s) for s in (parts.password, parts.username) if s and unquote(s) != s
    ]


def _resolve_git(
    location: str,
    ref: str | None,
    *,
    cache: ResolveCache,
    offline: bool,
    newest_tag_pattern: str | None,
    refresh: bool,
) -> ResolvedRevision:
    key = strip_credentials(location)
    where = f"git+{key}" if not key.startswith("/") else key
    refs = None if refresh else cache.get(NS_GIT, key)
    if refs is None or (ref is not None and not _git_knows(refs, ref)):
        if offline:
            if refs is None:
                raise NotCached(f"the refs of {where} are not in the resolve cache")
            raise NotCached(f"{where} at {ref!r} is not in the resolve cache")
        refs = _ls_remote(location, where)
        cache.put(NS_GIT, key, refs)
    tags: dict[str, str] = refs["tags"]
    heads: dict[str, str] = refs["heads"]
    if ref is not None:
        if ref in tags:
            return ResolvedRevision(tags[ref], ref, "tag")
        if ref in heads:
            return ResolvedRevision(heads[ref], ref, "branch")
        raise unknown_ref_error(where, ref, list(tags) + list(heads))
    if newest_tag_pattern is not None:
        name = newest_tag(where, tags, newest_tag_pattern)
        return ResolvedRevision(tags[name], name, "newest-tag")
    if "head" not in refs:  # asked only when a default branch is needed; None = no symref
        if offline:
            raise NotCached(f"the default branch of {where} is not in the resolve cache")
        refs = {**refs, "head": _ls_remote_head(location, where)}
        cache.put(NS_GIT, key, refs)
    branch = _default_branch(where, refs["head"], heads)
    return ResolvedRevision(heads[branch], branch, "default-branch")


def _git_knows(refs: Mapping[str, Mapping[str, str]], ref: str) -> bool:
    return ref in refs["tags"] or ref in refs["heads"]


def _default_branch(where: str, head: str | None, heads: Mapping[str, str]) -> str:
    if head and head in heads:
        return head
    for name in ("main", "master"):
        if name in heads:
            return name
    if len(heads) == 1:
        return next(iter(heads))
    raise ConfigError(
        f"{where}: cannot tell its main branch (no HEAD, no main or master); "
        f"branches: {', '.join(sorted(heads)) or 'none'}",
        hint="name the branch explicitly",
    )


def _git_ls_remote(location: str, where: str, *args: str, patterns: tuple[str, ...] = ()) -> str:
    from .. import credentials

    # the secret goes through the environment (a credential helper), never argv
    env = credentials.git_env(dict(os.environ, GIT_ASKPASS="true", LC_ALL="C"))
    try:
        proc = run(
            ["git", "ls-remote", *args, credentials.remember(location), *patterns],
            env=env,
            check=False,
            timeout=VCS_TIMEOUT,
            redact=_secrets(location),
        )
    except subprocess.TimeoutExpired:
        raise NetworkError(
            f"git ls-remote {where} took longer than {VCS_TIMEOUT:.0f} s",
            hint="check the network and proxy settings, or use --offline",
        ) from None
    if proc.returncode != 0:
        raise _vcs_failure("git ls-remote", where, proc.stderr or "", _secrets(location))
    return proc.stdout


def _ls_remote(location: str, where: str) -> dict[str, dict[str, str]]:
    """Heads and tags (annotated tags peeled to their commit) in one `git ls-remote`.

    --heads --tags lets the server filter (nixpkgs has hundreds of thousands of
    refs/pull/* refs nobody wants to download).
    """
    heads: dict[str, str] = {}
    tags: dict[str, str] = {}
    peeled: dict[str, str] = {}
    for line in _git_ls_remote(location, where, "--heads", "--tags").splitlines():
        sha, _, name = line.partition("\t")
        if name.startswith("refs/heads/"):
            heads[name[len("refs/heads/") :]] = sha
        elif name.startswith("refs/tags/"):
            tag = name[len("refs/tags/") :]
            if tag.endswith("^{}"):
                peeled[tag[:-3]] = sha
            else:
                tags[tag] = sha
    tags.update(peeled)
    return {"heads": dict(sorted(heads.items())), "tags": dict(sorted(tags.items()))}


def _ls_remote_head(location: str, where: str) -> str | None:
    """The branch HEAD points at (`git ls-remote --symref URL HEAD`), or None."""
    output = _git_ls_remote(location, where, "--symref", patterns=("HEAD",))
    for line in output.splitlines():
        first, _, name = line.partition("\t")
        if name == "HEAD" and first.startswith("ref: refs/heads/"):
            return first[len("ref: refs/heads/") :]
        if name == "HEAD":
            break
    return None


def _vcs_failure(what: str, where: str, stderr: str, secrets: list[str]) -> Exception:
    tail = stderr.strip().splitlines()[-5:]
    text = "\n".join(tail)
    for secret in secrets:
        text = text.replace(secret, "***")
    network = re.search(
        r"could not resolve|unable to access|connection|timed out|network|proxy",
        text,
        re.IGNORECASE,
    )
    detail = f": {text}" if text else ""
    if network:
        return NetworkError(
            f"{what} {where} failed{detail}",
            hint="check the network and HTTPS_PROXY/HTTP_PROXY, or use --offline "
            "when everything is already resolved",
        )
    return ConfigError(
        f"{what} {where} failed (no such repository, or no access){detail}",
        hint="check the URL and your credentials for it",
    )


# --- mercurial -------------------------------------------------------------------------


def _hg_location(url: str) -> str:
    inner = url[len("hg+") :]
    if inner.startswith("file://"):
        return unquote(urlsplit(inner).path)
    return inner


def _resolve_hg(
    location: str, ref: str | None, *, cache: ResolveCache, offline: bool, refresh: bool
) -> ResolvedRevision:
    key_url = strip_credentials(location)
    where = f"hg+{key_url}"
    # hg's own lookup decides between tags, bookmarks and branches; a default request
    # asks for the head of the 'default' branch.
    wanted = ref if ref is not None else "default"
    key = f"{key_url}#{wanted}"
    cached = None if refresh else cache.get(NS_HG, key)
    kind: RefKind = "default-branch" if ref is None else "tag"
    if cached is not None:
        return ResolvedRevision(cached["rev"], wanted, cached.get("kind", kind))
    if offline:
        raise NotCached(f"{where} at {wanted!r} is not in the resolve cache")
    rev = _hg_id(location, wanted, where)
    if ref is not None:
        kind = "branch" if _hg_is_branch(location, ref, where) else "tag"
    cache.put(NS_HG, key, {"kind": kind, "rev": rev})
    return ResolvedRevision(rev, wanted, kind)


def _hg_run(argv: list[str], location: str, where: str) -> subprocess.CompletedProcess[str]:
    from .. import credentials

    env = dict(os.environ, HGPLAIN="1", LC_ALL="C")
    try:
        with credentials.hg_env(location, env) as env:  # the secret never in argv
            return run(argv, env=env, check=False, timeout=VCS_TIMEOUT, redact=_secrets(location))
    except subprocess.TimeoutExpired:
        raise NetworkError(
            f"hg {where} took longer than {VCS_TIMEOUT:.0f} s",
            hint="check the network and proxy settings, or use --offline",
        ) from None


def _public(location: str) -> str:
    from .. import credentials

    return credentials.remember(location)


def _hg_id(location: str, ref: str, where: str) -> str:
    proc = _hg_run(
        ["hg", "id", "--debug", "--noninteractive", "-r", ref, _public(location)], location, where
    )
    if proc.returncode != 0:
        stderr = proc.stderr or ""
        if re.search(r"unknown revision|not found", stderr, re.IGNORECASE):
            raise unknown_ref_error(where, ref, [])
        raise _vcs_failure("hg id", where, stderr, _secrets(location))
    # a remote repository's `--debug` output has lines before the node ("using http://...")
    words = [(line.split() or [""])[0] for line in proc.stdout.splitlines()]
    first = next((word for word in words if is_full_rev(word)), "")
    if not is_full_rev(first):
        raise FailureError(f"hg id {where} gave no revision (output: {proc.stdout.strip()!r})")
    return first


def _hg_is_branch(location: str, ref: str, where: str) -> bool:
    """Whether `ref` names a branch rather than a tag (for ref_kind only; local repos)."""
    if "://" in location:
        return False  # asking a remote would cost a second round trip for a label
    proc = _hg_run(
        ["hg", "-R", location, "branches", "--closed", "-T", "{branch}\n"], location, where
    )
    return proc.returncode == 0 and ref in proc.stdout.splitlines()
