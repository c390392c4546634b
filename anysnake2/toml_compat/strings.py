"""TOML string and key spelling, one way for every TOML file we write (tomlkit's escaping:
quotes, backslashes, control characters and DEL become escapes TOML accepts)."""

from __future__ import annotations

import re

__all__ = ["basic_string", "toml_key"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def basic_string(text: str) -> str:
    """`text` as a TOML basic string (`"..."`)."""
    import tomlkit  # only when writing

    return tomlkit.string(text).as_string()


def toml_key(key: str) -> str:
    """A bare key when possible, else a quoted one."""
    return key if _BARE_KEY.fullmatch(key) else basic_string(key)
