"""Resolve steps: decisions recorded once and reused (the Python lock, later revisions)."""

from __future__ import annotations

__all__ = ["ensure_python_lock"]


def __getattr__(name: str) -> object:
    # Lazy: importing the package must not import the lock machinery on the warm path.
    if name == "ensure_python_lock":
        from .python_lock import ensure_python_lock

        return ensure_python_lock
    raise AttributeError(name)
