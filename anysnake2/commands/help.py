"""`anysnake2 help`: the global help with the list of commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..cli import Context


def main(ctx: Context, args: list[str]) -> int:
    """Print usage, global options and the built-in commands."""
    from ..cli import BUILTINS, GLOBAL_HELP, available_builtins

    lines = [GLOBAL_HELP, "commands:"]
    for name in available_builtins():
        lines.append(f"  {name:<12} {BUILTINS[name][1]}")
    lines.append("  <name>       run [cmd.<name>] of the project in its container")
    lines.append("  (none)       run [cmd.default]")
    print("\n".join(lines))
    return 0
