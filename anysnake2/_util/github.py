"""`github:owner/repo[/ref][/rev]` URLs split the one way every reader of them needs."""

from __future__ import annotations

from .names import is_full_rev

__all__ = ["github_ref_rev", "split_github"]


def split_github(url: str) -> tuple[str, list[str]]:
    """(`owner/repo`, the path parts after it) of a `github:` URL without its query;
    slashes around the path are ignored (`github:/owner/repo/` is `owner/repo`)."""
    parts = url[len("github:") :].strip("/").split("/")
    return "/".join(parts[:2]), parts[2:]


def github_ref_rev(extra: list[str], *, any_case: bool = False) -> tuple[str | None, str | None]:
    """(ref, rev) the path parts after `owner/repo` name: one part is the rev when it is a
    full 40-hex revision (lower case unless `any_case`), else the ref; two or more parts
    are ref and rev (an empty part is None)."""
    if len(extra) == 1 and extra[0]:
        if is_full_rev(extra[0], any_case=any_case):
            return None, extra[0]
        return extra[0], None
    if len(extra) >= 2:
        return extra[0] or None, extra[1] or None
    return None, None
