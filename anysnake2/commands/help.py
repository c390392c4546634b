"""`anysnake2 help [COMMAND]`: the global help with the list of commands, or one command's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from ..context import Context


def main(ctx: Context, args: list[str]) -> int:
    """Print usage, global options and the built-in commands; or COMMAND's help."""
    from ..cli import BUILTINS, GLOBAL_HELP, available_builtins

    available = available_builtins()
    if args:
        from .usage import command_help

        text = command_help(args[0]) if args[0] in available else None
        if text is None and len(args) == 1:
            text = _project_command_help(ctx, args[0])
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


def _project_command_help(ctx: Context, name: str) -> str | None:
    """What `anysnake2 NAME` runs for the project's `[cmd.NAME]`; None without one."""
    from ..errors import AnysnakeError

    try:
        command = ctx.project.cmd.get(name)
    except AnysnakeError:
        return None  # no (valid) config here: only built-ins have help
    if command is None:
        return None
    lines = [
        f"usage: anysnake2 {name} [ARGS...]",
        "",
        f"Runs [cmd.{name}] of {ctx.config_path} in the container; ARGS reach its script as $@.",
        "",
        "run:",
        *("  " + line for line in command.run.rstrip("\n").splitlines()),
    ]
    hooks = [
        hook
        for hook in (
            "pre_run_outside",
            "while_run_outside",
            "pre_run_inside",
            "post_run_inside",
            "post_run_outside",
        )
        if getattr(command, hook) is not None
    ]
    if hooks:
        lines += ["", "hooks: " + ", ".join(hooks)]
    return "\n".join(lines) + "\n"
