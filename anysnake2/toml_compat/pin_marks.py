"""Where resolved pins live in an anysnake2.toml, and the marker comments that say where a
pinned value came from (`rev = "<sha>" # stable release; anysnake2: tag 24.05`).

`recorded_refs` reads the markers back, so `anysnake2 lock --upgrade` knows what the user
asked for originally; `toml_compat.record` writes pins and markers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .._config_text import read_config
from .._util.atomic import write_atomic
from .._util.names import is_full_rev

__all__ = [
    "REV_ALIASES",
    "SECTIONS",
    "URL_ALIASES",
    "Pin",
    "is_inline",
    "previous_ref",
    "read_config_text",
    "recorded_refs",
    "set_comment",
    "split_newlines",
    "write_config_text",
]

RefKind = Literal["tag", "branch", "newest-tag", "default-branch"]

#: target -> the section names that spell it (the original's names too).
SECTIONS: dict[str, tuple[str, ...]] = {
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
URL_ALIASES = {"R": ("nixr_url", "r_ecosystem_track_url"), "rust": ("rust_overlay_url",)}
REV_ALIASES = {"R": ("nixr_tag",), "rust": ("rust_overlay_rev",)}
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


def set_comment(item: Any, words: str | None) -> None:
    """Put our marker with `words` into the comment of `item`'s line (None: remove it)."""
    trivia = item.trivia
    new = _with_marker(trivia.comment or "", words)
    if new == (trivia.comment or ""):
        return
    trivia.comment = new
    if new and not trivia.comment_ws:
        trivia.comment_ws = " "


def previous_ref(holder: Any) -> tuple[str, str | None] | None:
    """The (ref_kind, ref) of the marker on `holder`'s line, if any."""
    trivia = getattr(holder, "trivia", None)
    words = _marker_of(trivia.comment) if trivia is not None else None
    return _parse_words(words) if words else None


def is_inline(table: Any) -> bool:
    """True for an inline table (`{ ... }`): its line carries the comment."""
    import tomlkit.items

    return isinstance(table, tomlkit.items.InlineTable)


def split_newlines(raw: str) -> tuple[str, bool]:
    """(text with LF line ends, whether the file used CRLF throughout)."""
    crlf = "\r\n" in raw and raw.count("\n") == raw.count("\r\n")
    return (raw.replace("\r\n", "\n"), True) if crlf else (raw, False)


def read_config_text(config_path: Path) -> tuple[Path, str, bool]:
    """(the real file behind `config_path`, its text with LF line ends, whether it used
    CRLF throughout) — for edits that must give the file back as it was."""
    path = Path(config_path).resolve()  # a symlinked config stays a symlink
    text, crlf = split_newlines(read_config(path))
    return path, text, crlf


def write_config_text(path: Path, text: str, crlf: bool) -> None:
    """Write `text` (LF line ends) back as `read_config_text` found the file: same line
    ends, same permissions, atomically. OSError (a read-only file or folder) passes on."""
    mode = path.stat().st_mode & 0o7777
    write_atomic(path, text.replace("\n", "\r\n") if crlf else text, mode=mode, fsync=True)


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

    text, _ = split_newlines(read_config(config_path))
    doc = tomlkit.parse(text)
    found: dict[str, tuple[str, str | None]] = {}
    for target, names in SECTIONS.items():
        keys = ("url", "rev") + URL_ALIASES.get(target, ()) + REV_ALIASES.get(target, ())
        for name in names:
            if name in doc:
                _look(found, target, doc[name], keys)
    flakes = doc.get("flakes")
    for name in flakes if flakes is not None else ():
        _look(found, f"flakes.{name}", flakes[name], ("url", "rev"))
    for target, table, key, words in (
        ("python.ecosystem_date", doc.get("python"), "ecosystem_date", _DATE_WORDS),
        ("R.date", doc.get("R"), "date", _NIXR_DATE_WORDS),
    ):
        if table is not None and key in table:
            item = table if is_inline(table) else table[key]
            if _marker_of(item.trivia.comment) == words:
                found[target] = ("date", None)
    python = doc.get("python")
    packages = python.get("packages") if python is not None else None
    for name in packages if packages is not None else ():
        _look(found, f"python.packages.{name}", packages[name], ("version", "rev", "url"))
    return dict(sorted(found.items()))


def _look(
    found: dict[str, tuple[str, str | None]], target: str, table: Any, keys: Sequence[str]
) -> None:
    """Note the first marker on the lines of `keys` in `table` (or on the line of an inline
    table or a plain value) as `target`'s."""
    holders = [table] if is_inline(table) or not hasattr(table, "items") else []
    holders += [table[k] for k in keys if not holders and k in table]
    for holder in holders:
        trivia = getattr(holder, "trivia", None)
        words = _marker_of(trivia.comment) if trivia is not None else None
        parsed = _parse_words(words) if words else None
        if parsed:
            found[target] = parsed
            return
