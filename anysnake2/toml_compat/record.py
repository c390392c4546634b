"""Write resolved pins back into the user's anysnake2.toml, keeping comments and layout.

Each pin is spelled in the file's own era: 1.x files (and ours) get `rev = "<sha>"` beside
the `url`, 2.x files carry branch and revision in the URL (2.x ignored `rev` keys). A marker
comment on the changed line says where the value came from (`toml_compat.pin_marks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._config_text import read_config
from .._util.atomic import write_atomic
from ..defaults import DEFAULT_INPUTS, DEFAULT_NIXPKGS_URL
from ..model import HELPER_INPUTS
from ..sources import Source, parse_source
from ._inputs import split_url
from .pin_marks import (
    REV_ALIASES,
    SECTIONS,
    URL_ALIASES,
    Pin,
    is_inline,
    previous_ref,
    set_comment,
    split_newlines,
)

__all__ = ["record_pins"]

#: The URL a 2.x section without `url` stands for (its pin has to go into a URL there).
_DEFAULT_URLS = {
    "nixpkgs": DEFAULT_NIXPKGS_URL,
    "outside_nixpkgs": DEFAULT_NIXPKGS_URL,
    "rust": DEFAULT_INPUTS["rust-overlay"].url,
    "R": DEFAULT_INPUTS["nixR"].url,
    **{name: DEFAULT_INPUTS[name].url for name in HELPER_INPUTS},
}

# -- tomlkit helpers ---------------------------------------------------------------------


def _put(table: Any, key: str, value: str, after: tuple[str, ...]) -> Any:
    """Set `table[key] = value` (keeping the line's comment); a new key goes after `after`.

    Returns the item as it sits in the document (its trivia carries the line's comment).
    """
    import tomlkit

    if key in table:
        old = _lookup(table, key)
        if not (isinstance(old, str) and str(old) == value):
            table[key] = value
        return _lookup(table, key)
    item = tomlkit.string(value)
    anchor = next((k for k in after if k in table), None)
    container = getattr(table, "value", None)
    neighbours = [_lookup(table, k) for k in ((anchor,) if anchor else tuple(table))]
    indents = [n.trivia.indent for n in neighbours if hasattr(n, "trivia") and not _nested(n)]
    if indents and not is_inline(table):
        item.trivia.indent = indents[0]
    if anchor is not None and hasattr(container, "_insert_after"):
        container._insert_after(anchor, key, item)
    else:
        table[key] = item
    return _lookup(table, key)


def _nested(item: Any) -> bool:
    import tomlkit.items

    return isinstance(item, (tomlkit.items.Table, tomlkit.items.AoT))


def _lookup(table: Any, key: str) -> Any:
    """`table[key]`, but for dotted keys (`nixpkgs.rev = ...`) the item in the document.

    tomlkit shows dotted keys through a proxy whose items are copies; the comment has to be
    set on the part that is written out.
    """
    for part in getattr(table, "_tables", ()):
        if key in part:
            return part[key]
    return table[key]


# -- URLs --------------------------------------------------------------------------------


def _slot_ref(url_ref: str | None, pin: Pin, previous: tuple[str, str | None] | None) -> str | None:
    """What goes into the URL's branch slot.

    A branch pin names the branch. A tag pin keeps a branch the user wrote there
    (`github:NixOS/nixpkgs/master/24.05` -> `.../master/<sha>`, the tag goes into the
    marker) but replaces a tag that an earlier recording put there (`lock --upgrade`).
    """
    if pin.ref_kind in ("branch", "default-branch") or url_ref is None:
        return pin.ref or url_ref
    if pin.ref_kind is None:
        return url_ref
    if previous is not None and previous[0] in ("tag", "newest-tag") and previous[1] == url_ref:
        return pin.ref or url_ref
    return url_ref


def _flake_url(url: str, pin: Pin, previous: tuple[str, str | None] | None) -> str:
    """A flake-style section URL carrying ref and rev (2.x)."""
    base, url_ref, _rev, directory = split_url(url)
    ref = _slot_ref(url_ref, pin, previous)
    if base.startswith("github:"):
        if ref and "/" in ref:  # github:o/r/<ref>/<rev> has no room for a/b refs
            ref = None
        return f"{base}/{ref or ''}/{pin.value}"
    query = [(k, v) for k, v in (("ref", ref), ("rev", pin.value), ("dir", directory)) if v]
    if base.startswith("hg+"):
        query = [(k, v) for k, v in query if k != "ref"]
    joiner = "&" if "?" in base else "?"
    return base + joiner + "&".join(f"{k}={v}" for k, v in query)


def _source_url(url: str, pin: Pin, previous: tuple[str, str | None] | None) -> str:
    """A package source URL (sources.py grammar) pinned to the revision."""
    source = parse_source(url)
    ref = _slot_ref(source.ref, pin, previous)
    if source.kind == "hg" or (source.kind == "github" and ref and "/" in ref):
        ref = None
    elif source.kind not in ("github", "git"):
        raise ValueError(f"{pin.target}: {url!r} has no revision to pin")
    return Source(source.kind, source.location, ref, pin.value).to_url()


def _url_has_pin(url: str) -> bool:
    _base, _ref, rev, _dir = split_url(url)
    return rev is not None


# -- the writers -------------------------------------------------------------------------


def _sections(doc: Any, pin: Pin) -> list[Any]:
    """The tables that spell `pin.target` (one, or each spelling of a helper the file has)."""
    target = pin.target
    if target.startswith("flakes."):
        name = target[len("flakes.") :]
        flakes = doc.get("flakes")
        if flakes is None or name not in flakes:
            raise ValueError(f"pin {target}: there is no [flakes.{name}] in the file")
        return [flakes[name]]
    if target not in SECTIONS:
        raise ValueError(f"pin {target}: unknown target")
    found = [doc[name] for name in SECTIONS[target] if name in doc]
    if not found and target == "nixpkgs":  # always an input: its pin gets a table of its own
        import tomlkit

        if doc.body and not doc.as_string().endswith("\n\n"):
            doc.add(tomlkit.nl())
        doc.add("nixpkgs", tomlkit.table())
        found = [doc["nixpkgs"]]
    if not found:
        raise ValueError(f"pin {target}: there is no [{target}] in the file")
    used = [table for table in found if any(k in table for k in ("url", "rev", "ref"))]
    return used or found[:1]


def _record_revision(doc: Any, pin: Pin, era: str) -> list[str]:
    changes = []
    for table in _sections(doc, pin):
        base = pin.target.split(".")[0] if pin.target.startswith("flakes.") else pin.target
        url_keys = ("url",) + URL_ALIASES.get(base, ())
        rev_keys = REV_ALIASES.get(base, ()) + ("rev",)
        url_key = next((k for k in url_keys if k in table), None)
        url = str(table[url_key]) if url_key else None
        if pin.fetch_url is not None:
            url_key = url_key or "url"
            holder = table if is_inline(table) else table.get(url_key)
            kept = previous_ref(holder) if holder is not None else None
            url = pin.fetch_url if era == "1.x" else _flake_url(pin.fetch_url, pin, kept)
            _put(table, url_key, url, ())
            changes.append(f"{pin.target}: {url_key} = {url} (its GitHub tarball is unstable)")
        if era == "2.x" or (url is not None and _url_has_pin(url)):
            if url_key is None:
                url_key, url = "url", _DEFAULT_URLS[base]
            holder = table if is_inline(table) else table.get(url_key)
            new_url = _flake_url(url or "", pin, previous_ref(holder))
            item = _put(table, url_key, new_url, ())
            what = f"{url_key} = {new_url}"
        else:
            rev_key = next((k for k in rev_keys if k in table), "rev")
            item = _put(table, rev_key, pin.value, url_keys)
            what = f"{rev_key} = {pin.value}"
        holder = table if is_inline(table) else item
        set_comment(holder, pin.marker())
        changes.append(f"{pin.target}: {what}{_origin(pin)}")
    return changes


def _origin(pin: Pin) -> str:
    words = pin.marker()
    return f" ({words})" if words else ""


def _record_date(doc: Any, pin: Pin) -> list[str]:
    if pin.target == "R.date":
        if "R" not in doc:
            raise ValueError("pin R.date: no [R] in the file")
        table = doc["R"]
        item = _put(table, "date", pin.value, ("nixr_tag", "rev", "nixr_url", "url", "packages"))
        set_comment(table if is_inline(table) else item, pin.marker())
        return [f"R.date: {pin.value}{_origin(pin)}"]
    if pin.target != "python.ecosystem_date" or "python" not in doc:
        raise ValueError(f"pin {pin.target}: no [python] in the file")
    table = doc["python"]
    item = _put(table, "ecosystem_date", pin.value, ("version",))
    set_comment(table if is_inline(table) else item, pin.marker())
    return [f"python.ecosystem_date: {pin.value}{_origin(pin)}"]


def _record_package(doc: Any, pin: Pin) -> list[str]:
    name = pin.target[len("python.packages.") :]
    python = doc.get("python")
    packages = python.get("packages") if python is not None else None
    if packages is None or name not in packages:
        raise ValueError(f"pin {pin.target}: no such entry in [python.packages]")
    entry = packages[name]
    if isinstance(entry, str):
        text = str(entry).strip()
        if pin.kind == "pypi_version":
            if text not in ("pypi", "pypi:"):
                raise ValueError(f"pin {pin.target}: {text!r} is not an unpinned 'pypi'")
            new = f"pypi:{pin.value}"
        else:
            new = _source_url(text, pin, previous_ref(entry))
        item = _put(packages, name, new, ())
        set_comment(item, pin.marker())
        return [f"{pin.target}: {new}{_origin(pin)}"]
    method = str(entry.get("method", "")) if "method" in entry else None
    if pin.kind == "pypi_version":
        value = pin.value if method == "fetchPypi" else f"pypi:{pin.value}"
        _put(entry, "version", value, ("pname", "method", "url"))
        what = f"version = {value}"
    elif method in ("fetchFromGitHub", "fetchgit", "fetchGit", "fetchhg"):
        _put(entry, "rev", pin.value, ("url", "repo", "owner", "method"))
        what = f"rev = {pin.value}"
    elif "url" in entry:
        holder = entry if is_inline(entry) else _lookup(entry, "url")
        new = _source_url(str(entry["url"]), pin, previous_ref(holder))
        _put(entry, "url", new, ())
        what = f"url = {new}"
    else:
        raise ValueError(f"pin {pin.target}: the entry has no source to pin")
    holder = entry if is_inline(entry) else entry[_pinned_key(entry, pin, method)]
    set_comment(holder, pin.marker())
    return [f"{pin.target}: {what}{_origin(pin)}"]


def _pinned_key(entry: Any, pin: Pin, method: str | None) -> str:
    if pin.kind == "pypi_version":
        return "version"
    if method in ("fetchFromGitHub", "fetchgit", "fetchGit", "fetchhg"):
        return "rev"
    return "url"


def record_pins(config_path: Path, pins: Sequence[Pin]) -> list[str]:
    """Write pins into the TOML file, keeping every comment, the key order and layout.

    Each pin is spelled in the file's own era (see the module docstring). Returns one
    human line per change, for the log. The file is written only when its text changed,
    atomically (a temporary file beside it, renamed over it, same permissions). URLs keep
    exactly the credentials the user wrote; none are ever added. An unknown target or a
    target whose section is missing is a ValueError (a bug of the caller).
    """
    import tomlkit

    from .reader import detect_era

    path = Path(config_path).resolve()  # a symlinked config stays a symlink
    raw = read_config(path)
    text, crlf = split_newlines(raw)
    doc = tomlkit.parse(text)
    era = detect_era(doc.unwrap())
    changes: list[str] = []
    new = doc.as_string()
    for pin in pins:
        if pin.kind == "date":
            lines = _record_date(doc, pin)
        elif pin.target.startswith("python.packages."):
            lines = _record_package(doc, pin)
        elif pin.kind == "revision":
            lines = _record_revision(doc, pin, era)
        else:
            raise ValueError(f"pin {pin.target}: a {pin.kind} cannot be recorded there")
        before, new = new, doc.as_string()
        if new != before:  # report only what changed (a re-record of the same pin is quiet)
            changes += lines
    if crlf:
        new = new.replace("\n", "\r\n")
    if new == raw:
        return []
    write_atomic(path, new, mode=path.stat().st_mode & 0o7777, fsync=True)
    return changes
