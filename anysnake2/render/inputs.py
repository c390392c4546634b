"""Flake input URLs: a config URL plus rev/ref/dir → the pinned URL nix reads.

- `github:o/r[/ref[/rev]]` (also `github:/o/r`, `github:o/r//rev`, `?dir=`, `?ref=`,
  `?rev=`) → `github:o/r/<rev>`; a tag or branch → `github:o/r?ref=<ref>`.
- `git+...`/`hg+...` → `<url>?ref=<ref>&rev=<rev>`; a non-hex rev is rendered as `ref`.
- `$ANYSNAKE_ROOT`/`$ANYSNAKE2_ROOT` → the absolute project root; an absolute path with a
  rev becomes `git+file://<path>?rev=`, without one it stays a plain path.
- anything else (tarball URLs) passes through.

A revision counts as pinned when it is 40 hex digits; everything else is rendered as a ref
and reported as a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from .. import credentials
from .._util.github import github_ref_rev, split_github
from .._util.names import is_full_rev
from .._util.root_url import ROOT_VARIABLES, with_root

__all__ = ["ROOT_VARIABLES", "InputUrl", "flake_url", "uses_root"]


@dataclass(frozen=True)
class InputUrl:
    """A rendered input URL and the warning to show when it is not fully pinned."""

    url: str
    warning: str | None = None


def uses_root(url: str) -> bool:
    """True when `url` names the project root through `$ANYSNAKE_ROOT`/`$ANYSNAKE2_ROOT`."""
    return any(v in url for v in ROOT_VARIABLES)


def _query(pairs: list[tuple[str, str]]) -> str:
    return ("?" + "&".join(f"{k}={v}" for k, v in pairs)) if pairs else ""


@dataclass
class _Parts:
    """A flake URL taken apart: its kind, base and the rev/ref/dir it names."""

    kind: str  # "github", "vcs" (git+/hg+), "path" (absolute) or "other"
    base: str
    rev: str | None
    ref: str | None
    dir: str | None
    others: list[tuple[str, str]]  # query parameters passed through


def _split(url: str, rev: str | None, ref: str | None, dir: str | None) -> _Parts:
    """`url`'s parts; rev/ref/dir given explicitly beat those the URL names."""
    base, _, query = url.partition("?")
    parts = _Parts("other", base, rev, ref, dir, [])
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in ("rev", "ref", "dir") and value:
            setattr(parts, key, getattr(parts, key) or value)
        else:
            parts.others.append((key, value))
    if base.startswith("github:"):
        parts.kind = "github"
        owner_repo, rest = split_github(base)
        parts.base = "github:" + owner_repo
        path_ref, path_rev = github_ref_rev(rest, any_case=True)
        parts.ref, parts.rev = parts.ref or path_ref, parts.rev or path_rev
    elif base.startswith(("git+", "hg+")):
        parts.kind = "vcs"
    elif base.startswith("/"):
        parts.kind = "path"
        parts.base = base.rstrip("/") or "/"
    return parts


def _unpinned(name: str, url: str, ref: str | None, offline: bool) -> str:
    """The warning for input `name` that names no revision."""
    how = f"the {'tag or branch' if ref else 'newest commit of'} {ref or 'its default branch'}"
    hint = (
        "run 'anysnake2 lock' with network access to record its revision"
        if offline
        else "run 'anysnake2 lock' to record its revision"
    )
    return (
        f"flake input {name!r} ({credentials.redact(url)}) is not pinned to a revision: nix will use "
        f"{how}, so the project is not fully pinned; {hint}"
    )


def _joined(parts: _Parts) -> str:
    """The URL nix reads, from `parts`."""
    rev, ref = parts.rev, parts.ref
    if parts.kind == "github":  # github:o/r/<rev>, or ?ref= without one
        text = parts.base + (f"/{rev}" if rev else "")
        pairs = [("ref", ref)] if ref and not rev else []
    else:  # a path pinned to a revision is read as a git repository
        text = ("git+file://" if parts.kind == "path" and rev else "") + parts.base
        pairs = [(key, value) for key, value in (("ref", ref), ("rev", rev)) if value]
    if parts.dir:
        pairs.append(("dir", parts.dir))
    return text + _query(pairs + parts.others)


def flake_url(
    name: str,
    url: str,
    *,
    rev: str | None = None,
    ref: str | None = None,
    dir: str | None = None,
    resolved: str | None = None,
    root: Path,
    offline: bool = False,
) -> InputUrl:
    """The URL of flake input `name`; `resolved` (from the Resolution) beats `rev`."""
    url = with_root(url, root)
    parts = _split(url, rev, ref, dir)
    if parts.base.startswith("git+"):
        parts.base = credentials.public(parts.base)  # the secret reaches nix through its env
    elif "@" in parts.base and not parts.base.startswith("github:"):
        credentials.refuse(parts.base, f"flake input {name!r}")
    if resolved:
        parts.rev = resolved
    if parts.rev and not is_full_rev(parts.rev, any_case=True):
        # a tag or branch: nix can follow it, but the project is then not fully pinned
        parts.ref, parts.rev = parts.rev, None
    warning = None
    if parts.kind in ("github", "vcs") and not parts.rev:
        warning = _unpinned(name, url, parts.ref, offline)
    return InputUrl(_joined(parts), warning)
