"""The PEP 723 `# /// script` block of an `anysnake2.py` (light: the version pin reads it)."""

from __future__ import annotations

import re

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from packaging.requirements import Requirement

__all__ = ["anysnake2_requirement", "script_block"]

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


def anysnake2_requirement(metadata: dict[str, Any]) -> tuple[str, Requirement] | None:
    """(entry, parsed requirement) of the first `dependencies` entry of a script block's
    `metadata` that names anysnake2 (by its PEP 503 name); None without one."""
    from packaging.requirements import InvalidRequirement, Requirement

    from .names import normalize_name

    for entry in metadata.get("dependencies", []) or []:
        try:
            requirement = Requirement(str(entry))
        except InvalidRequirement:
            continue
        if normalize_name(requirement.name) == "anysnake2":
            return str(entry), requirement
    return None
