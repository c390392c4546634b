"""The PEP 723 `# /// script` block of an `anysnake2.py` (light: the version pin reads it)."""

from __future__ import annotations

import re

__all__ = ["script_block"]

# The regular expression PEP 723 gives as its reference implementation.
_BLOCK = re.compile(r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$")


def script_block(text: str) -> str | None:
    """The TOML text of the first `script` block of `text` (comment marks removed), or
    None without one."""
    for match in _BLOCK.finditer(text):
        if match.group("type") == "script":
            return "".join(
                line[2:] if line.startswith("# ") else line[1:]
                for line in match.group("content").splitlines(keepends=True)
            )
    return None
