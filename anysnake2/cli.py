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
from .errors import EX_SOFTWARE, AnysnakeError, MissingConfigError, UsageError, from_os_error

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs ~10 ms
if TYPE_CHECKING:
    from .model import Project

__all__ = ["BUILTINS", "Context", "find_config", "main"]

CONFIG_NAMES = ("anysnake2.toml", "anysnake2.py")

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


class Context:
    """What a command needs: options and the (lazily loaded) project.

    A plain class, not a dataclass: `dataclasses` costs start-up time on the warm path.
    """

    def __init__(
        self,
        *,
        config_arg: str | None = None,
        verbosity: int = 2,
        offline: bool = False,
        locked: bool = False,
        no_version_switch: bool = False,
        cwd: Path | None = None,
        project: Project | None = None,
        config_path: Path | None = None,
        json: bool = False,
    ) -> None:
        self.config_arg = config_arg
        self.json = json
        self.verbosity = verbosity
        self.offline = offline
        self.locked = locked
        self.no_version_switch = no_version_switch
        self.cwd = cwd if cwd is not None else Path.cwd()
        self._project = project
        self._config_path = config_path

    @property
    def config_path(self) -> Path:
        """The config file (found once; MissingConfigError/UsageError when not found)."""
        if self._config_path is None:
            self._config_path = find_config(self.cwd, self.config_arg)
        return self._config_path

    @property
    def root(self) -> Path:
        """The project root: the folder that holds the config file."""
        return self.config_path.parent

    @property
    def project(self) -> Project:
        """The loaded, validated project."""
        if self._project is None:
            from .credentials import remember_project
            from .loader import load_model

            self._project = load_model(self.config_path)
            remember_project(self._project)  # for the git/nix environments and redaction
            for message in self._project.warnings:
                _log.warn(message)
        return self._project


def find_config(cwd: Path, explicit: str | None) -> Path:
    """The config file: `explicit`, or the one anysnake2.toml/anysnake2.py in `cwd`."""
    if explicit is not None:
        path = (cwd / explicit).absolute()
        if path.is_dir():
            return find_config(path, None)
        if not path.exists():
            raise MissingConfigError(
                f"config file {path} does not exist",
                hint="check the path given with -c/--config",
            )
        return path
    found = [cwd / name for name in CONFIG_NAMES if (cwd / name).exists()]
    if not found:
        raise MissingConfigError(
            f"no anysnake2.toml or anysnake2.py in {cwd}",
            hint="run 'anysnake2 config basic > anysnake2.toml' to start, or pass -c FILE",
        )
    if len(found) > 1:
        from .errors import ConfigError

        raise ConfigError(
            f"both anysnake2.toml and anysnake2.py are in {cwd}; which one is meant is unclear",
            hint="remove or rename one of them, or choose with -c FILE",
        )
    return found[0]


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
            from .credentials import remember_project

            remember_project(project)
            ctx._project = project
            ctx._config_path = config_path
            if config_path is not None:
                ctx.cwd = config_path.parent
            for message in project.warnings:
                _log.warn(message)
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
