"""Find the line of a key in TOML text (tomllib reports no positions).

A small scan, good enough for messages: table headers `[a.b]`/`[[a.b]]` set the current
path, `key = ...` lines (bare, quoted or dotted keys) add a key under it. Lines inside
multi-line strings are skipped. Inline tables are not descended into: a key inside one is
reported at the line of the inline table.
"""

from __future__ import annotations

import re

__all__ = ["LineFinder"]

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _parse_key(text: str, pos: int) -> tuple[list[str], int] | None:
    """Parse a (dotted) key starting at `pos`; returns (parts, position after) or None."""
    parts: list[str] = []
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos >= len(text):
            return None
        char = text[pos]
        if char in "\"'":
            end = pos + 1
            buf = []
            while end < len(text) and text[end] != char:
                if char == '"' and text[end] == "\\" and end + 1 < len(text):
                    buf.append(text[end : end + 2])
                    end += 2
                    continue
                buf.append(text[end])
                end += 1
            if end >= len(text):
                return None
            raw = "".join(buf)
            if char == '"':
                try:
                    raw = raw.encode("latin-1", "backslashreplace").decode("unicode_escape")
                except UnicodeDecodeError:
                    pass
            parts.append(raw)
            pos = end + 1
        else:
            match = _BARE.match(text, pos)
            if not match:
                return None
            parts.append(match.group(0))
            pos = match.end()
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == ".":
            pos += 1
            continue
        return parts, pos


def _open_multiline(value: str) -> str | None:
    """The quote of a multi-line string `value` (the rest of a `key = ` line) leaves open,
    or None; a `#` outside strings starts a comment, whose quotes do not count."""
    pos, end = 0, len(value)
    while pos < end:
        char = value[pos]
        if char == "#":
            return None
        if char in "\"'":
            triple = value[pos : pos + 3]
            if triple in ('"""', "'''"):
                close = value.find(triple, pos + 3)
                while close != -1 and triple == '"""' and _escaped(value, close):
                    close = value.find(triple, close + 1)
                if close == -1:
                    return triple
                pos = close + 3
                while pos < end and value[pos] == char:  # up to two quotes end the string
                    pos += 1
                continue
            pos += 1
            while pos < end and value[pos] != char:
                pos += 2 if char == '"' and value[pos] == "\\" else 1
        pos += 1
    return None


def _escaped(value: str, pos: int) -> bool:
    backslashes = 0
    while pos - backslashes - 1 >= 0 and value[pos - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


class LineFinder:
    """Maps key paths (tuples of keys) to the 1-based line that defines them."""

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str, ...], int] = {}
        self._implicit: dict[tuple[str, ...], int] = {}
        current: tuple[str, ...] = ()
        in_string: str | None = None
        # TOML lines end at \n only (splitlines would also split at U+2028 and the like)
        for number, line in enumerate(text.split("\n"), start=1):
            if in_string is not None:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            stripped = line.lstrip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("["):
                double = stripped.startswith("[[")
                parsed = _parse_key(stripped, 2 if double else 1)
                if parsed is not None:
                    current = tuple(parsed[0])
                    self._remember(current, number)
                continue
            parsed = _parse_key(stripped, 0)
            if parsed is None:
                continue
            parts, pos = parsed
            if pos >= len(stripped) or stripped[pos] != "=":
                continue
            self._remember(current + tuple(parts), number)
            in_string = _open_multiline(stripped[pos + 1 :])

    def _remember(self, path: tuple[str, ...], number: int) -> None:
        self._lines.setdefault(path, number)
        for end in range(1, len(path)):
            self._implicit.setdefault(path[:end], number)

    def line(self, *path: str) -> int | None:
        """The line of `path`, or of its longest known prefix; None when unknown."""
        keys = tuple(path)
        while keys:
            if keys in self._lines:
                return self._lines[keys]
            if keys in self._implicit:
                return self._implicit[keys]
            keys = keys[:-1]
        return None
