"""Command line: global options, config discovery and dispatch. No logic of its own.

`anysnake2 [global options] [command] [args...]`. A built-in command lives in
`anysnake2/commands/<name>.py` as `main(ctx, args) -> int` and is imported only when used.
Any other word runs `[cmd.<word>]` of the project; no word runs `[cmd.default]`.

Global options may also follow a built-in's name (up to `--`, `run`'s program or
`develop -c`); `-h`/`--help` there shows that command's help (commands/usage.py), and
`--json` is taken for the commands in JSON_COMMANDS. A project command's words are its own.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import _log
from ._discover import CONFIG_NAMES, find_config
from .context import Context
from .errors import EX_SOFTWARE, AnysnakeError, UsageError, from_os_error

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs ~10 ms
if TYPE_CHECKING:
    from .model import Project

__all__ = ["BUILTINS", "CONFIG_NAMES", "Context", "find_config", "main"]

# command -> (module, one-line help). A command whose module is not part of this
# version is reported as unavailable (64), never pretended.
BUILTINS: dict[str, tuple[str, str]] = {
    "attach": ("anysnake2.commands.attach", "reattach to a running session"),
    "build": ("anysnake2.commands.build", "build flake | rootfs | oci | sif"),
    "check": ("anysnake2.commands.check", "read and validate the config, print a summary"),
    "completion": ("anysnake2.commands.completion", "print a completion script: bash|zsh|fish"),
    "config": ("anysnake2.commands.config", "print an example config: minimal, basic or full"),
    "convert": ("anysnake2.commands.convert", "convert the config: --to toml | python"),
    "develop": (
        "anysnake2.commands.develop",
        "open a shell with the project's tools (nix develop)",
    ),
    "help": ("anysnake2.commands.help", "show this help, or a command's: help COMMAND"),
    "jobs": ("anysnake2.commands.jobs", "list this project's Slurm jobs; --logs JOBID"),
    "kernel": ("anysnake2.commands.kernel", "kernel install | list | remove: Jupyter kernels"),
    "lock": ("anysnake2.commands.lock", "resolve and record every pin without building"),
    "run": ("anysnake2.commands.run", "run -- ARGV...: run a command in the container"),
    "submit": ("anysnake2.commands.submit", "submit CMD [ARGS]: run [cmd.CMD] as a Slurm job"),
    "version": ("anysnake2.commands.version", "print the version of anysnake2"),
}


def available_builtins() -> list[str]:
    """The built-in commands this installation really has (their module exists)."""
    from importlib.util import find_spec

    return sorted(name for name, (module, _) in BUILTINS.items() if find_spec(module))


GLOBAL_OPTIONS = """\
global options (before or after a built-in command's name):
  -c, --config FILE      config file (default: anysnake2.toml or anysnake2.py here)
  -v, --verbose N        0 quiet, 1 warnings, 2 info (default), 3 debug (with tracebacks)
  --offline              no network at all: recorded and cached answers only
  --locked               everything must already be recorded; never resolve or record
  --no-version-switch    do not restart into the anysnake2 version the project pins
  -h, --help             this help; 'anysnake2 COMMAND --help' for a command's
  --version              print the version and exit
"""

GLOBAL_HELP = f"""\
usage: anysnake2 [GLOBAL OPTIONS] [COMMAND] [ARGS...]

Reproducible research environments from anysnake2.toml or anysnake2.py.

{GLOBAL_OPTIONS}"""

#: -v values and what they mean (the help above says the same).
VERBOSITY_LEVELS = range(4)
#: Built-in commands that print one JSON document on stdout with --json (commands/_json).
JSON_COMMANDS = ("build", "check", "lock", "version")


def _apply_global(ctx: Context, option: str, rest: list[str]) -> bool:
    """Apply global `option` (its value taken from `rest`); False when it is none."""
    value: str | None = None
    if "=" in option and option.startswith("--"):
        option, value = option.split("=", 1)
    if option in ("-c", "--config", "-v", "--verbose"):
        if value is None:
            if not rest:
                raise UsageError(f"{option} needs a value", hint="see 'anysnake2 help'")
            value = rest.pop(0)
        if option in ("-c", "--config"):
            ctx.config_arg = value
        else:
            ctx.verbosity = _verbosity(option, value)
    elif option == "--offline":
        ctx.offline = True
        os.environ["ANYSNAKE2_OFFLINE"] = "1"  # for nix calls and child processes
    elif option == "--locked":
        ctx.locked = True
    elif option == "--no-version-switch":
        ctx.no_version_switch = True
    else:
        return False
    return True


def _verbosity(option: str, value: str) -> int:
    levels = VERBOSITY_LEVELS
    if value.isdigit() and int(value) in levels:
        return int(value)
    raise UsageError(
        f"{option} takes a whole number {levels[0]}-{levels[-1]}, not {value!r}",
        hint="0 quiet, 1 warnings, 2 info (default), 3 debug",
    )


def _command_args(ctx: Context, command: str, args: list[str]) -> list[str] | None:
    """`args` of built-in `command` without the global options among them.

    None when they ask for the command's help (-h/--help). Scanning stops at `--`, at
    `run`'s program, at `submit`'s CMD and at `develop -c` (the rest belongs to the
    command run there).
    """
    own: list[str] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--" or (command == "develop" and arg == "-c"):
            own += [arg, *rest]
            break
        takes_value = command == "submit" and own[-1:] in (
            ["--array"],
            ["--after"],
            ["--sbatch-option"],
        )
        if command in ("run", "submit") and not arg.startswith("-") and not takes_value:
            own += [arg, *rest]
            break
        if arg in ("-h", "--help"):
            return None
        if arg.startswith("-") and _apply_global(ctx, arg, rest):
            continue
        if arg == "--json" and command in JSON_COMMANDS:
            ctx.json = True
            continue
        own.append(arg)
    return own


def _parse_globals(argv: list[str]) -> tuple[Context, list[str]]:
    """Context from the global options; the rest: [command, args...] (or [])."""
    ctx = Context()
    rest = list(argv)
    while rest and rest[0].startswith("-") and rest[0] != "--":
        option = rest.pop(0)
        if option in ("--version", "-V"):
            return _finish_globals(ctx), ["version"]
        if option in ("-h", "--help"):
            return _finish_globals(ctx), ["help", *[r for r in rest[:1] if r in BUILTINS]]
        if not _apply_global(ctx, option, rest):
            raise UsageError(f"unknown option {option}", hint="see 'anysnake2 help'")
    if rest and rest[0] in BUILTINS:
        args = _command_args(ctx, rest[0], rest[1:])
        rest = ["help", rest[0]] if args is None else [rest[0], *args]
    return _finish_globals(ctx), rest


def _finish_globals(ctx: Context) -> Context:
    if os.environ.get("ANYSNAKE2_OFFLINE") == "1":
        ctx.offline = True
    return ctx


def dispatch(ctx: Context, rest: list[str]) -> int:
    """Run the command named by `rest[0]` (or the default command)."""
    from importlib import import_module

    command = rest[0] if rest else "default"
    args = rest[1:]
    available = available_builtins()
    if command in available:
        module = import_module(BUILTINS[command][0])
        return int(module.main(ctx, args))
    from .model import RESERVED_COMMANDS

    if command in RESERVED_COMMANDS:
        raise UsageError(
            f"'{command}' is not available in this version of anysnake2",
            hint="available: " + ", ".join(available),
        )
    if "run" in available:
        module = import_module("anysnake2.commands.run")
        return int(module.run_named(ctx, command, args))
    project_cmds = sorted(ctx.project.cmd)
    raise UsageError(
        f"running [cmd.{command}] is not available in this version of anysnake2",
        hint="built-in: "
        + ", ".join(available)
        + "; from the config: "
        + (", ".join(project_cmds) if project_cmds else "(none)"),
    )


def main(
    argv: list[str] | None = None,
    *,
    project: Project | None = None,
    config_path: Path | None = None,
) -> int:
    """Run the CLI; returns the exit code.

    `project` and `config_path` preset the project (an anysnake2.py calling
    `project.main()`): no config file is searched or imported then.
    """
    return _main(sys.argv[1:] if argv is None else argv, project, config_path)


def _main(argv: list[str], project: Project | None, config_path: Path | None) -> int:
    ctx = Context()
    rest: list[str] = []
    try:
        ctx, rest = _parse_globals(argv)
        _log.set_verbosity(ctx.verbosity)
        if project is not None:
            if ctx.config_arg is not None:
                raise UsageError("-c/--config does not apply here: the project is this script")
            ctx.preset(project, config_path)
        from .version_switch import maybe_switch

        status = maybe_switch(ctx, rest, argv)
        if status is not None:
            return status
        return dispatch(ctx, rest)
    except AnysnakeError as error:
        return _report(ctx, rest, error)
    except OSError as error:  # a file-system fault (permission, full disk): not our bug
        converted = from_os_error(error, _where(ctx))
        if converted is None:
            return _bug()
        return _report(ctx, rest, converted)
    except KeyboardInterrupt:
        print("anysnake2: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # noqa: BLE001 - a bug: show it, ask for a report, exit 70
        return _bug()


def _report(ctx: Context, rest: list[str], error: AnysnakeError) -> int:
    """Print a user-facing error (and its JSON form); its exit code."""
    if ctx.verbosity >= 3:
        import traceback

        traceback.print_exc()
    print(_log.clean(error.render()), file=sys.stderr)
    if ctx.json and rest:
        from .commands._json import emit_error

        emit_error(rest[0], error)
    return error.exit_code


def _where(ctx: Context) -> str | None:
    """The project folder, for a file-system error that names no file (a full disk)."""
    try:
        return f"in {ctx.root}"
    except Exception:  # noqa: BLE001 - no config found: no project folder to name
        return None


def _bug() -> int:
    import traceback

    traceback.print_exc()
    print(
        "error: this is a bug in anysnake2; please report it with the output above "
        "(and 'anysnake2 version')",
        file=sys.stderr,
    )
    return EX_SOFTWARE
