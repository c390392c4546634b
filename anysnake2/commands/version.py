"""`anysnake2 version`: print this implementation's version."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._version import __version__

if TYPE_CHECKING:
    from ..context import Context


def main(ctx: Context, args: list[str]) -> int:
    """Print `anysnake2 <version>` (no config needed); `--json`: {"version": ...}."""
    if args:
        from ..errors import UsageError

        raise UsageError(f"version takes no arguments, got {' '.join(args)}")
    if ctx.json:
        from ._json import emit

        emit("version", version=__version__)
        return 0
    print(f"anysnake2 {__version__}")
    return 0
