"""Write resolved pins back into the user's anysnake2.toml, keeping comments and layout.

Each pin is spelled in the file's own era: 1.x files (and ours) get `rev = "<sha>"` beside
the `url`, 2.x files carry branch and revision in the URL (2.x ignored `rev` keys). A marker
comment on the changed line says where the value came from, e.g.
`rev = "<sha>" # stable release; anysnake2: tag 24.05`, and `recorded_refs` reads it back
so `anysnake2 lock --upgrade` knows what the user asked for originally.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .._config_text import read_config
from .._util.names import is_full_rev
from ..defaults import DEFAULT_INPUTS, DEFAULT_NIXPKGS_URL
from ..model import HELPER_INPUTS
from ..sources import Source, parse_source

__all__ = ["Pin", "read_config_text", "record_pins", "recorded_refs", "write_config_text"]

RefKind = Literal["tag", "branch", "newest-tag", "default-branch"]

#: target -> the section names that spell it (the original's names too).
_SECTIONS: dict[str, tuple[str, ...]] = {
    "nixpkgs": ("nixpkgs",),
    "outside_nixpkgs": ("outside_nixpkgs",),
    "rust": ("rust",),
    "R": ("R",),
    "uv2nix": ("uv2nix",),
    "pyproject-nix": ("pyproject-nix",),
    "build-system-pkgs": ("build-system-pkgs", "pyproject_build_systems"),
    "flake-utils": ("flake-utils", "flake-util"),
    "nixpkgs-lib": ("nixpkgs-lib",),
    "uv2nix_hammer_overrides": ("uv2nix_hammer_overrides", "uv2nix_override_collection"),
}
_URL_ALIASES = {"R": ("nixr_url", "r_ecosystem_track_url"), "rust": ("rust_overlay_url",)}
_REV_ALIASES = {"R": ("nixr_tag",), "rust": ("rust_overlay_rev",)}
#: The URL a 2.x section without `url` stands for (its pin has to go into a URL there).
_DEFAULT_URLS = {
    "nixpkgs": DEFAULT_NIXPKGS_URL,
    "outside_nixpkgs": DEFAULT_NIXPKGS_URL,
    "rust": DEFAULT_INPUTS["rust-overlay"].url,
    "R": DEFAULT_INPUTS["nixR"].url,
    **{name: DEFAULT_INPUTS[name].url for name in HELPER_INPUTS},
}
_MARK = "anysnake2:"
_SEPARATOR = "; "
_KIND_WORDS: dict[str, str] = {
    "tag": "tag",
    "branch": "branch",
    "newest-tag": "newest tag",
    "default-branch": "head of default branch",
}
# the last "anysnake2: ..." of a comment (a user's own "anysnake2:" earlier stays theirs)
_MARKER_RE = re.compile(r"(?:^|\s*;\s*|\s+)anysnake2:\s*(?P<what>(?:(?!anysnake2:).)*?)\s*$")
_DATE_WORDS = "date of the first lock"
_NIXR_DATE_WORDS = "newest nixR date"
_PYPI_WORDS = "newest on PyPI"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+!_-]*$")


@dataclass(frozen=True)
class Pin:
    """One resolved value to record in the config."""

    target: str
    kind: Literal["revision", "date", "pypi_version"]
    value: str
    ref: str | None = None
    ref_kind: RefKind | None = None
    fetch_url: str | None = None  # replaces the section's URL (a github: source with an
    # unstable tarball is fetched with git: git+https://github.com/o/r.git)

    def __post_init__(self) -> None:
        checks = {
            "revision": is_full_rev,
            "date": _DATE_RE.match,
            "pypi_version": _VERSION_RE.match,
        }
        if self.kind not in checks:
            raise ValueError(f"pin {self.target}: unknown kind {self.kind!r}")
        if not checks[self.kind](self.value):
            raise ValueError(f"pin {self.target}: {self.value!r} is not a valid {self.kind}")
        if self.ref_kind is not None and self.ref_kind not in _KIND_WORDS:
            raise ValueError(f"pin {self.target}: unknown ref_kind {self.ref_kind!r}")
        if self.ref is not None and not re.match(r"^[^\s?&#@]+$", self.ref):
            raise ValueError(f"pin {self.target}: {self.ref!r} is not a ref name")

    def marker(self) -> str | None:
        """The words after `anysnake2:` in the comment (None: nothing worth saying)."""
        if self.kind == "date":
            return _NIXR_DATE_WORDS if self.target == "R.date" else _DATE_WORDS
        if self.kind == "pypi_version":
            return _PYPI_WORDS
        if self.ref_kind is None:
            return None
        return " ".join(p for p in (_KIND_WORDS[self.ref_kind], self.ref) if p)


# -- comments ---------------------------------------------------------------------------


def _with_marker(comment: str, words: str | None) -> str:
    """`comment` (a '# ...' trivia text or '') with our marker replaced by `words`."""
    text = comment.strip()
    text = text[1:].strip() if text.startswith("#") else text
    match = _MARKER_RE.search(text)
    if match and _parse_words(match.group("what")):  # only ever replace our own words
        text = text[: match.start()].rstrip()
    if words:
        text = f"{text}{_SEPARATOR}{_MARK} {words}" if text else f"{_MARK} {words}"
    return f"# {text}" if text else ""


def _marker_of(comment: str) -> str | None:
    match = _MARKER_RE.search(comment.strip().lstrip("#").strip())
    return match.group("what") if match else None


def _set_comment(item: Any, words: str | None) -> None:
    trivia = item.trivia
    new = _with_marker(trivia.comment or "", words)
    if new == (trivia.comment or ""):
        return
    trivia.comment = new
    if new and not trivia.comment_ws:
        trivia.comment_ws = " "


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
    if indents and not _is_inline(table):
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


def _is_inline(table: Any) -> bool:
    import tomlkit.items

    return isinstance(table, tomlkit.items.InlineTable)


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


def _previous(holder: Any) -> tuple[str, str | None] | None:
    """The (ref_kind, ref) of the marker on `holder`'s line, if any."""
    trivia = getattr(holder, "trivia", None)
    words = _marker_of(trivia.comment) if trivia is not None else None
    return _parse_words(words) if words else None


def _flake_url(url: str, pin: Pin, previous: tuple[str, str | None] | None) -> str:
    """A flake-style section URL carrying ref and rev (2.x)."""
    from ..toml_compat._inputs import _split_url

    base, url_ref, _rev, directory = _split_url(url)
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
    from ..toml_compat._inputs import _split_url

    _base, _ref, rev, _dir = _split_url(url)
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
    if target not in _SECTIONS:
        raise ValueError(f"pin {target}: unknown target")
    found = [doc[name] for name in _SECTIONS[target] if name in doc]
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
        url_keys = ("url",) + _URL_ALIASES.get(base, ())
        rev_keys = _REV_ALIASES.get(base, ()) + ("rev",)
        url_key = next((k for k in url_keys if k in table), None)
        url = str(table[url_key]) if url_key else None
        if pin.fetch_url is not None:
            url_key = url_key or "url"
            holder = table if _is_inline(table) else table.get(url_key)
            kept = _previous(holder) if holder is not None else None
            url = pin.fetch_url if era == "1.x" else _flake_url(pin.fetch_url, pin, kept)
            _put(table, url_key, url, ())
            changes.append(f"{pin.target}: {url_key} = {url} (its GitHub tarball is unstable)")
        if era == "2.x" or (url is not None and _url_has_pin(url)):
            if url_key is None:
                url_key, url = "url", _DEFAULT_URLS[base]
            holder = table if _is_inline(table) else table.get(url_key)
            new_url = _flake_url(url or "", pin, _previous(holder))
            item = _put(table, url_key, new_url, ())
            what = f"{url_key} = {new_url}"
        else:
            rev_key = next((k for k in rev_keys if k in table), "rev")
            item = _put(table, rev_key, pin.value, url_keys)
            what = f"{rev_key} = {pin.value}"
        holder = table if _is_inline(table) else item
        _set_comment(holder, pin.marker())
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
        _set_comment(table if _is_inline(table) else item, pin.marker())
        return [f"R.date: {pin.value}{_origin(pin)}"]
    if pin.target != "python.ecosystem_date" or "python" not in doc:
        raise ValueError(f"pin {pin.target}: no [python] in the file")
    table = doc["python"]
    item = _put(table, "ecosystem_date", pin.value, ("version",))
    _set_comment(table if _is_inline(table) else item, pin.marker())
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
            new = _source_url(text, pin, _previous(entry))
        item = _put(packages, name, new, ())
        _set_comment(item, pin.marker())
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
        holder = entry if _is_inline(entry) else _lookup(entry, "url")
        new = _source_url(str(entry["url"]), pin, _previous(holder))
        _put(entry, "url", new, ())
        what = f"url = {new}"
    else:
        raise ValueError(f"pin {pin.target}: the entry has no source to pin")
    holder = entry if _is_inline(entry) else entry[_pinned_key(entry, pin, method)]
    _set_comment(holder, pin.marker())
    return [f"{pin.target}: {what}{_origin(pin)}"]


def _pinned_key(entry: Any, pin: Pin, method: str | None) -> str:
    if pin.kind == "pypi_version":
        return "version"
    if method in ("fetchFromGitHub", "fetchgit", "fetchGit", "fetchhg"):
        return "rev"
    return "url"


# -- public API --------------------------------------------------------------------------


def _split_newlines(raw: str) -> tuple[str, bool]:
    """(text with LF line ends, whether the file used CRLF throughout)."""
    crlf = "\r\n" in raw and raw.count("\n") == raw.count("\r\n")
    return (raw.replace("\r\n", "\n"), True) if crlf else (raw, False)


def record_pins(config_path: Path, pins: Sequence[Pin]) -> list[str]:
    """Write pins into the TOML file, keeping every comment, the key order and layout.

    Each pin is spelled in the file's own era (see the module docstring). Returns one
    human line per change, for the log. The file is written only when its text changed,
    atomically (a temporary file beside it, renamed over it, same permissions). URLs keep
    exactly the credentials the user wrote; none are ever added. An unknown target or a
    target whose section is missing is a ValueError (a bug of the caller).
    """
    import tomlkit

    from ..toml_compat.reader import detect_era

    path = Path(config_path).resolve()  # a symlinked config stays a symlink
    raw = read_config(path)
    text, crlf = _split_newlines(raw)
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
    _write_atomic(path, new)
    return changes


def read_config_text(config_path: Path) -> tuple[Path, str, bool]:
    """(the real file behind `config_path`, its text with LF line ends, whether it used
    CRLF throughout) — for edits that must give the file back as it was."""
    path = Path(config_path).resolve()  # a symlinked config stays a symlink
    text, crlf = _split_newlines(read_config(path))
    return path, text, crlf


def write_config_text(path: Path, text: str, crlf: bool) -> None:
    """Write `text` (LF line ends) back as `read_config_text` found the file: same line
    ends, same permissions, atomically. OSError (a read-only file or folder) passes on."""
    _write_atomic(path, text.replace("\n", "\r\n") if crlf else text)


def _write_atomic(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _parse_words(words: str) -> tuple[str, str | None] | None:
    if words in (_DATE_WORDS, _NIXR_DATE_WORDS):
        return ("date", None)
    if words == _PYPI_WORDS:
        return ("pypi", None)
    for kind, spelled in sorted(_KIND_WORDS.items(), key=lambda kv: -len(kv[1])):
        if words == spelled:
            return (kind, None)
        if words.startswith(spelled + " "):
            return (kind, words[len(spelled) + 1 :].strip() or None)
    return None


def recorded_refs(config_path: Path) -> dict[str, tuple[str, str | None]]:
    """target -> (ref_kind, ref) parsed back from the marker comments record_pins wrote.

    Revisions give ("tag" | "branch" | "newest-tag" | "default-branch", name); a recorded
    ecosystem date gives ("date", None), a recorded newest PyPI version ("pypi", None).
    Keys a user pinned by hand carry no marker and are absent.
    """
    import tomlkit

    text, _ = _split_newlines(read_config(config_path))
    doc = tomlkit.parse(text)
    found: dict[str, tuple[str, str | None]] = {}

    def look(target: str, parent: Any, key: str, keys: Sequence[str]) -> None:
        table = parent[key]
        holders = []
        if _is_inline(table) or not hasattr(table, "items"):
            holders.append(table)
        else:
            holders += [table[k] for k in keys if k in table]
        for holder in holders:
            trivia = getattr(holder, "trivia", None)
            words = _marker_of(trivia.comment) if trivia is not None else None
            parsed = _parse_words(words) if words else None
            if parsed:
                found[target] = parsed
                return

    for target, names in _SECTIONS.items():
        for name in names:
            if name in doc:
                keys = ("url", "rev") + _URL_ALIASES.get(target, ()) + _REV_ALIASES.get(target, ())
                look(target, doc, name, keys)
    flakes = doc.get("flakes")
    if flakes is not None:
        for name in flakes:
            look(f"flakes.{name}", flakes, name, ("url", "rev"))
    python = doc.get("python")
    if python is not None and "ecosystem_date" in python:
        item = python["ecosystem_date"] if not _is_inline(python) else python
        words = _marker_of(item.trivia.comment)
        if words == _DATE_WORDS:
            found["python.ecosystem_date"] = ("date", None)
    r_table = doc.get("R")
    if r_table is not None and "date" in r_table:
        item = r_table["date"] if not _is_inline(r_table) else r_table
        if _marker_of(item.trivia.comment) == _NIXR_DATE_WORDS:
            found["R.date"] = ("date", None)
    packages = python.get("packages") if python is not None else None
    if packages is not None:
        for name in packages:
            entry = packages[name]
            if isinstance(entry, str):
                words = _marker_of(entry.trivia.comment)
                parsed = _parse_words(words) if words else None
                if parsed:
                    found[f"python.packages.{name}"] = parsed
            else:
                look(f"python.packages.{name}", packages, name, ("version", "rev", "url"))
    return dict(sorted(found.items()))
