"""Flake-style `url` + `rev` + `ref` (+ `dir`) of one section, in either era."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from .._util.github import github_ref_rev, split_github
from ._base import ReadState, dotted

__all__ = ["read_input_fields", "split_url"]


def split_url(url: str) -> tuple[str, str | None, str | None, str | None]:
    """(url without revision, ref, rev, dir) of a flake URL as the original wrote them."""
    url = url.strip()
    if url.startswith("github:/"):
        url = "github:" + url[len("github:/") :].lstrip("/")  # 1.x accepted github:/owner/repo
    base, _, query = url.partition("?")
    ref = rev = directory = None
    rest = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "ref":
            ref = value or None
        elif key == "rev":
            rev = value or None
        elif key == "dir":
            directory = value or None
        else:
            rest.append((key, value))
    if base.startswith("github:"):
        owner_repo, extra = split_github(base)
        path_ref, path_rev = github_ref_rev(extra)
        ref, rev = ref or path_ref, rev or path_rev
        if "/" in owner_repo:
            base = "github:" + owner_repo
    else:
        base = base.rstrip("/") if base.count("/") > 2 else base
    if rest:
        base += "?" + urlencode(rest)
    return base, ref, rev, directory


def read_input_fields(
    state: ReadState, table: dict[str, Any], path: tuple[str, ...], *, with_dir: bool = False
) -> dict[str, str | None]:
    """`url`, `rev`, `ref` (and `dir`) of `table`, with the revision split out of the URL.

    A 2.x file's `rev` beside a URL that already pins a revision or branch is ignored with
    a warning (the original ignored it); in our format a contradicting `rev` is an error.
    """
    url = state.string(table, "url", path)
    rev = state.string(table, "rev", path)
    ref = state.string(table, "ref", path)
    directory = state.string(table, "dir", path) if with_dir else None
    fields: dict[str, str | None] = {"url": url, "rev": rev, "ref": ref}
    if with_dir:
        fields["dir"] = directory
    if url is None:
        return fields
    base, url_ref, url_rev, url_dir = split_url(url)
    fields["url"] = base
    where = dotted(path)
    if url_dir is not None:
        if not with_dir:
            raise state.error(
                f"{where}.url: ?dir= is only meaningful for [flakes]", path + ("url",)
            )
        if directory is not None and directory != url_dir:
            raise state.error(
                f"{where}: dir = {directory!r} contradicts ?dir={url_dir} in the url",
                path + ("dir",),
            )
        fields["dir"] = url_dir
    if rev is not None and (url_rev is not None or url_ref is not None) and state.era == "2.x":
        state.warn(
            f"{where}.rev = {rev!r} is ignored: the url already says which revision "
            "(as in anysnake2 2.x); remove the rev line",
            path + ("rev",),
        )
        rev = None
    if rev is not None and url_rev is not None and rev != url_rev:
        raise state.error(
            f"{where}: rev = {rev!r} contradicts the revision {url_rev!r} in the url",
            path + ("rev",),
            hint="keep one of them",
        )
    if ref is not None and url_ref is not None and ref != url_ref:
        raise state.error(
            f"{where}: ref = {ref!r} contradicts the branch {url_ref!r} in the url",
            path + ("ref",),
            hint="keep one of them",
        )
    fields["rev"] = rev or url_rev
    fields["ref"] = ref or url_ref
    return fields
