"""Package names and revisions: PEP 503 normalisation and the 40-hex commit id."""

from __future__ import annotations

import re

__all__ = ["find_revs", "is_full_rev", "normalize_name", "requirement_name"]

_SEPARATORS = re.compile(r"[-_.]+")
_REV = re.compile(r"[0-9a-f]{40}")
_REV_ANY_CASE = re.compile(r"[0-9a-fA-F]{40}")
_REV_IN_TEXT = re.compile(r"\b[0-9a-fA-F]{40}\b")
_REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize_name(name: str, separator: str = "-") -> str:
    """`name` normalised as PEP 503 says (runs of `-_.` → `separator`, lower case);
    `separator="_"` gives the form of a wheel's `.dist-info` folder."""
    return _SEPARATORS.sub(separator, name).lower()


def is_full_rev(value: str | None, *, any_case: bool = False) -> bool:
    """True when `value` is a full git commit id (40 hex digits; lower case unless
    `any_case`)."""
    pattern = _REV_ANY_CASE if any_case else _REV
    return bool(value) and pattern.fullmatch(value or "") is not None


def find_revs(text: str) -> list[str]:
    """Every 40-hex word of `text` (any case), in order."""
    return _REV_IN_TEXT.findall(text)


def requirement_name(requirement: str) -> str:
    """The normalised name of a PEP 508 requirement (`Setuptools_SCM[toml]>=6` →
    `setuptools-scm`), as pyproject.nix's `pep508.parseString` gives it; "" without one."""
    match = _REQUIREMENT_NAME.match(requirement)
    return normalize_name(match.group(1)) if match else ""
