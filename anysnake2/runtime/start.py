"""Start a prepared command: host hooks around one container launch. Standard library only.

`prepare` (runtime/run.py) stores, beside the run scripts, the runtime argv in `argv`
(NUL-separated, without the user's arguments) and in `host` the host facts that argv was
made from (the values of the host variables the config refers to, HOME, TERM, uid, gid,
the hash of the last successful build), and in `session` whether the config allows a
dtach session (`on` or `off`).
`run_stored` starts a command from those files alone: the warm path, for when the caller
knows that the config did not change (`runtime.state.is_fresh`); it returns None when the
stored files are missing or the host facts differ, and the caller then prepares again.

On the warm path every import counts: paths are plain strings (`pathlib` costs ~17 ms with
its `re`/`fnmatch`/`urllib` imports) and the container is started with `os.posix_spawnp`
(`subprocess` costs ~8 ms); hooks and dtach import what they need when they are used.
"""

from __future__ import annotations

import _signal  # not `signal`: its enum conversions import `enum` (~10 ms)
import os

from .. import _log

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    StrPath = str | os.PathLike[str]

__all__ = [
    "ARGV_FILE",
    "HOST_FILE",
    "SESSION_FILE",
    "execute",
    "host_facts",
    "launch",
    "run_stored",
]

ARGV_FILE = "argv"
HOST_FILE = "host"
SESSION_FILE = "session"


def launch(
    argv: Sequence[str],
    *,
    cwd: StrPath,
    env: Mapping[str, str] | None = None,
    group_interrupt: bool = False,
) -> int:
    """Start the container and wait for it; its exit status (128+N for signal N).

    The one place the runtime is started (inside dtach when `execute` asks). Ctrl-C
    belongs to the program in the container: we keep running until it exits. A handler (not
    SIG_IGN, which the child would inherit) keeps Python from raising KeyboardInterrupt
    meanwhile. ToolUnavailableError (69) when the program is not there.
    """
    if _log.verbosity() >= 3:
        from .._proc import format_argv

        _log.debug(f"running: {format_argv(argv)}")
    argv = [os.fspath(a) for a in argv]
    previous = _signal.signal(_signal.SIGINT, _signal.SIG_IGN if group_interrupt else _ignore)
    here = os.getcwd()
    try:
        os.chdir(cwd)  # posix_spawn has no working directory of its own
        try:
            pid = os.posix_spawnp(argv[0], argv, os.environ if env is None else dict(env))
        except FileNotFoundError:
            from ..errors import ToolUnavailableError

            raise ToolUnavailableError(f"'{argv[0]}' was not found") from None
        finally:
            os.chdir(here)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
    finally:
        _signal.signal(_signal.SIGINT, previous)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _ignore(signum: int, frame: object) -> None:
    """SIGINT while the container runs: it is the container's (see `launch`)."""


def _session_possible() -> bool:
    """A terminal on stdin and stdout, outside screen and tmux: where dtach is used.

    Output going to a pipe or file wants the output, not a session.
    """
    if os.environ.get("STY") or os.environ.get("TMUX"):
        return False
    return os.isatty(0) and os.isatty(1)


def execute(
    directory: StrPath, root: StrPath, name: str, argv: Sequence[str], *, dtach: bool = True
) -> int:
    """Host hooks (those with a file in `directory`) around `launch(argv)`; run's status.

    With `dtach` (and a terminal, outside screen and tmux) all of it
    runs inside a dtach session. FailureError (70) when pre_run_outside fails or when
    called inside a container; post_run_outside failing warns.
    """
    for variable in ("SINGULARITY_NAME", "APPTAINER_NAME", "ANYSNAKE2_INSIDE"):
        if os.environ.get(variable):
            from .dtach import refuse_nesting

            refuse_nesting()
    if dtach and _session_possible():
        from pathlib import Path

        from . import dtach as sessions  # only now: the modules it needs cost start-up time

        status = sessions.run_in_session(Path(directory), Path(root), name, argv)
        if status is not None:
            return status
    hook_files = [os.path.join(directory, f"{hook}.sh") for hook in _HOOKS]
    if not any(os.path.exists(path) for path in hook_files):
        return launch(argv, cwd=root)
    from pathlib import Path

    from . import hooks  # only now: it costs start-up time that a plain run does not need

    pre, during, post = (Path(path) for path in hook_files)
    root = Path(root)

    env = {**os.environ, "ANYSNAKE2_ROOT": str(root)}
    if pre.exists():
        hooks.run_pre_outside(name, pre, root, env)
    background = hooks.start_while(during, root, env) if during.exists() else None
    try:
        status = launch(argv, cwd=root)
    finally:
        if background is not None:
            hooks.stop_while(background)
    if post.exists():
        hooks.run_post_outside(name, post, root, env, status)
    return status


_HOOKS = ("pre_run_outside", "while_run_outside", "post_run_outside")


def host_facts(names: Sequence[str], environ: Mapping[str, str], root: StrPath) -> list[str]:
    """`K=V` for each host variable in `names` (`K` alone when unset), uid, gid, and the
    hash of the last successful build (runtime.state), so a rebuild makes stored files stale.
    """
    from .state import read_state

    facts = [f"{n}={environ[n]}" if n in environ else n for n in sorted(set(names))]
    built = read_state(os.fspath(root))
    stamp = built[0] if built else "-"
    return [*facts, f":uid={os.getuid()}", f":gid={os.getgid()}", f":built={stamp}"]


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def run_stored(root: StrPath, name: str, args: Sequence[str]) -> int | None:
    """Run `name` from its stored argv and scripts; None when they are missing or stale."""
    directory = os.path.join(root, ".anysnake2_flake", "run_scripts", name)
    try:
        argv = _read(os.path.join(directory, ARGV_FILE)).split("\0")
        stored = _read(os.path.join(directory, HOST_FILE)).split("\0")
    except OSError:
        return None
    names = [fact.split("=", 1)[0] for fact in stored if not fact.startswith(":")]
    if host_facts(names, os.environ, root) != stored:
        return None
    try:
        dtach = _read(os.path.join(directory, SESSION_FILE)).strip() != "off"
    except OSError:
        dtach = True
    return execute(directory, root, name, [*argv, *args], dtach=dtach)
