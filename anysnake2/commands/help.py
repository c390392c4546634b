"""`anysnake2 help [COMMAND]`: the global help with the list of commands, or one command's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from ..cli import Context


def main(ctx: Context, args: list[str]) -> int:
    """Print usage, global options and the built-in commands; or COMMAND's help."""
    from ..cli import BUILTINS, GLOBAL_HELP, available_builtins

    available = available_builtins()
    if args:
        from .usage import command_help

        text = command_help(args[0]) if args[0] in available else None
        if len(args) > 1 or text is None:
            raise UsageError(
                f"no help for {' '.join(args)!r}: not a built-in command",
                hint="built-in: "
                + ", ".join(available)
                + "; a project's own commands are its [cmd.NAME] tables",
            )
        print(text, end="")
        return 0
    lines = [GLOBAL_HELP, "commands:"]
    for name in available:
        lines.append(f"  {name:<12} {BUILTINS[name][1]}")
    lines.append("  <name>       run [cmd.<name>] of the project in its container")
    lines.append("  (none)       run [cmd.default]")
    lines.append(
        "\n'anysnake2 COMMAND --help' (or 'anysnake2 help COMMAND') shows a command's help."
    )
    print("\n".join(lines))
    return 0
