"""Minimal stderr logging (the stdlib `logging` import is not free on the warm path).

Levels follow the original's `-v`: 0 quiet, 1 warnings, 2 info (default), 3 debug.
"""

from __future__ import annotations

import sys

__all__ = ["clean", "debug", "info", "note", "set_verbosity", "verbosity", "warn", "warnings"]

_state = {"level": 2}
_warnings: list[str] = []  # every warning of this run, for --json


def clean(message: str) -> str:
    """`message` without credentials (`_redact.redact`; imported only when needed)."""
    if "@" not in message and "anysnake2._redact" not in sys.modules:
        return message
    from ._redact import redact

    return redact(message)


def set_verbosity(level: int) -> None:
    """Set the global verbosity (0..3)."""
    _state["level"] = level


def verbosity() -> int:
    """The current verbosity."""
    return _state["level"]


def warn(message: str) -> None:
    """A warning the user should read (shown from -v 1)."""
    _warnings.append(message)
    if _state["level"] >= 1:
        print(f"warning: {clean(message)}", file=sys.stderr, flush=True)


def warnings() -> list[str]:
    """The warnings of this run so far, in order."""
    return list(_warnings)


def note(message: str) -> None:
    """A short note about what happens (shown from -v 2, the default)."""
    if _state["level"] >= 2:
        print(f"anysnake2: {clean(message)}", file=sys.stderr, flush=True)


info = note


def debug(message: str) -> None:
    """Details for debugging (shown from -v 3)."""
    if _state["level"] >= 3:
        print(f"debug: {clean(message)}", file=sys.stderr, flush=True)
