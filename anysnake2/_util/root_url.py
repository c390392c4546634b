"""The project root in a URL: `$ANYSNAKE2_ROOT` (or the original's `$ANYSNAKE_ROOT`)."""

from __future__ import annotations

import os

__all__ = ["ROOT_VARIABLES", "with_root"]

ROOT_VARIABLES = ("$ANYSNAKE2_ROOT", "$ANYSNAKE_ROOT")


def with_root(url: str, root: str | os.PathLike[str]) -> str:
    """`url` with each root variable replaced by `root`."""
    for variable in ROOT_VARIABLES:
        url = url.replace(variable, str(root))
    return url
