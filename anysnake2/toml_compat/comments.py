"""The comments of an anysnake2.toml, grouped by top-level section (for `to_python`).

A comment belongs to the section whose table header or key follows it (or whose key line
it ends); a block that a blank line separates from the next table header belongs to the
section before it (before the first table: the file's preamble, key ""). Multi-line strings are skipped, so a `#` inside one is text.
"""

from __future__ import annotations

import re

__all__ = ["section_comments"]

_HEADER = re.compile(r"^\[\[?\s*(?:\"(?P<quoted>[^\"]*)\"|(?P<bare>[A-Za-z0-9_-]+))")


def _inline_comment(line: str) -> str | None:
    """The `# ...` ending a key line, outside any string on it."""
    quote = None
    index = 0
    while index < len(line):
        char = line[index]
        if quote is None and char == "#":
            return line[index:]
        if quote is None and char in "\"'":
            quote = char
        elif quote == '"' and char == "\\":
            index += 1
        elif char == quote:
            quote = None
        index += 1
    return None


def _text(comment: str) -> str:
    body = comment.strip()[1:]
    return body.removeprefix(" ")


def section_comments(text: str) -> dict[str, list[str]]:
    """Section name (`python` for `[python.packages.x]`) → its comment lines, in order."""
    found: dict[str, list[str]] = {}
    section = ""
    pending: list[str] = []
    open_string: str | None = None
    blank_after_pending = False
    for line in text.splitlines():
        stripped = line.strip()
        if open_string is not None:
            if line.count(open_string) % 2 == 1:
                open_string = None
            continue
        if stripped.startswith("#"):
            pending.append(_text(stripped))
            blank_after_pending = False
            continue
        if not stripped:
            blank_after_pending = bool(pending)
            continue
        header = _HEADER.match(stripped)
        if header:
            if blank_after_pending:  # a block that ends the section before (or the preamble)
                found.setdefault(section, []).extend(pending)
                pending = []
            section = header.group("quoted") or header.group("bare")
            found.setdefault(section, []).extend(pending)
            pending = []
            continue
        found.setdefault(section, []).extend(pending)
        pending = []
        for delimiter in ('"""', "'''"):
            if line.count(delimiter) % 2 == 1:
                open_string = delimiter
                break
        else:
            inline = _inline_comment(line)
            if inline is not None:
                found[section].append(_text(inline))
    if pending:
        found.setdefault(section, []).extend(pending)
    return {name: lines for name, lines in found.items() if lines}
