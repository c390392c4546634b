"""The one way a config file is read: its bytes, decoded as UTF-8 once.

Every parse of anysnake2.toml / anysnake2.py (the loader, the version pin, `convert`'s
comments, recording pins) goes through `read_config`, so a file that is not UTF-8 is one
`ConfigError` naming the line and column of the first bad byte, never a traceback.
"""

from __future__ import annotations

import os

__all__ = ["decode_config", "read_config"]


def decode_config(data: bytes, path: str | os.PathLike[str]) -> str:
    """`data` as text; a ConfigError (65) at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        from .errors import ConfigError

        before = data[: error.start]
        line = before.count(b"\n") + 1
        start = before.rfind(b"\n") + 1
        column = len(before[start:].decode("utf-8", "replace")) + 1
        raise ConfigError(
            f"not UTF-8 text: byte 0x{data[error.start]:02x} ({error.reason})",
            hint="save the file as UTF-8",
            file=str(path),
            line=line,
            column=column,
        ) from None


def read_config(path: str | os.PathLike[str]) -> str:
    """The text of the config file at `path` (OSError passes on to the caller)."""
    with open(path, "rb") as handle:
        return decode_config(handle.read(), path)
