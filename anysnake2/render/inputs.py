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
    base, _, query = url.partition("?")
    others: list[tuple[str, str]] = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "rev" and value:
            rev = rev or value
        elif key == "ref" and value:
            ref = ref or value
        elif key == "dir" and value:
            dir = dir or value
        else:
            others.append((key, value))
    kind = "other"
    if base.startswith("github:"):
        kind = "github"
        owner_repo, rest = split_github(base)
        base = "github:" + owner_repo
        path_ref, path_rev = github_ref_rev(rest, any_case=True)
        ref, rev = ref or path_ref, rev or path_rev
    elif base.startswith(("git+", "hg+")):
        kind = "vcs"
    elif base.startswith("/"):
        kind = "path"
        base = base.rstrip("/") or "/"
    if base.startswith("git+"):
        base = credentials.public(base)  # the secret reaches nix through its environment
    elif "@" in base and not base.startswith("github:"):
        credentials.refuse(base, f"flake input {name!r}")
    if resolved:
        rev = resolved
    if rev and not is_full_rev(rev, any_case=True):
        # a tag or branch: nix can follow it, but the project is then not fully pinned
        ref, rev = rev, None
    warning = None
    if kind in ("github", "vcs") and not rev:
        warning = _unpinned_warning(name, url, ref, offline=offline)
    text, pairs = _assemble(kind, base, ref, rev, dir)
    return InputUrl(text + _query(pairs + others), warning)


def _unpinned_warning(name: str, url: str, ref: str | None, *, offline: bool) -> str:
    how = f"the {'tag or branch' if ref else 'newest commit of'} {ref or 'its default branch'}"
    hint = (
        "run 'anysnake2 lock' with network access to record its revision"
        if offline
        else "run 'anysnake2 lock' to record its revision"
    )
    return (
        f"flake input {name!r} ({credentials.redact(url)}) is not pinned to a revision: nix "
        f"will use {how}, so the project is not fully pinned; {hint}"
    )


def _assemble(
    kind: str, base: str, ref: str | None, rev: str | None, dir: str | None
) -> tuple[str, list[tuple[str, str]]]:
    """The URL without its query, and the query pairs for ref, rev and dir."""
    pairs: list[tuple[str, str]] = []
    if kind == "github":
        text = base + (f"/{rev}" if rev else "")
        if not rev and ref:
            pairs.append(("ref", ref))
    elif kind == "path" and rev:
        text = "git+file://" + base
        pairs += [("ref", ref)] if ref else []
        pairs.append(("rev", rev))
    else:
        text = base
        pairs += [("ref", ref)] if ref else []
        pairs += [("rev", rev)] if rev else []
    if dir:
        pairs.append(("dir", dir))
    return text, pairs
