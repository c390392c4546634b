"""`anysnake2 completion bash|zsh|fish`: print a shell completion script (see `_complete`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from ..context import Context

__all__ = ["main"]


def main(ctx: Context, args: list[str]) -> int:
    """Print the script for the shell named in `args` (needs no config)."""
    from .._complete import SCRIPTS, script

    text = script(args[0]) if len(args) == 1 else None
    if text is None:
        raise UsageError(
            "completion needs one shell: " + ", ".join(sorted(SCRIPTS)),
            hint='e.g. eval "$(anysnake2 completion bash)" in ~/.bashrc',
        )
    print(text, end="")
    return 0
