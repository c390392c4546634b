"""Start a prepared command: host hooks around one container launch. Standard library only.

`prepare` (runtime/run.py) stores, beside the run scripts, the runtime argv in `argv`
(NUL-separated, without the user's arguments) and in `host` the host facts that argv was
made from (the values of the host variables the config refers to, HOME, TERM, uid, gid,
the hash of the last successful build), and in `session` whether the config allows a
dtach session (`on` or `off`).
`run_stored` starts a command from those files alone: the warm path, for when the caller
knows that the config did not change (`runtime.state.is_fresh`); it returns None when the
stored files are missing or the host facts differ, and the caller then prepares again.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from .. import _log

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


def launch(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None) -> int:
    """Start the container and wait for it; its exit status (128+N for signal N).

    The one place the runtime is started (inside dtach when `execute` asks). Ctrl-C
    belongs to the program in the container: we keep running until it exits. A handler (not SIG_IGN,
    which the child would inherit) keeps Python from raising KeyboardInterrupt meanwhile.
    """
    if _log.verbosity() >= 3:
        from .._proc import format_argv

        _log.debug(f"running: {format_argv(argv)}")
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        # Not _proc.run: the container shares our terminal and must outlive a Ctrl-C.
        process = subprocess.Popen(list(argv), cwd=cwd, env=None if env is None else dict(env))
        status = process.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return 128 - status if status < 0 else status


def _session_possible() -> bool:
    """A terminal on stdin and stdout, outside screen and tmux: where dtach is used.

    Output going to a pipe or file wants the output, not a session.
    """
    if os.environ.get("STY") or os.environ.get("TMUX"):
        return False
    return os.isatty(0) and os.isatty(1)


def execute(
    directory: Path, root: Path, name: str, argv: Sequence[str], *, dtach: bool = True
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
        from . import dtach as sessions  # only now: the modules it needs cost start-up time

        status = sessions.run_in_session(directory, root, name, argv)
        if status is not None:
            return status
    pre = directory / "pre_run_outside.sh"
    during = directory / "while_run_outside.sh"
    post = directory / "post_run_outside.sh"
    if not (pre.exists() or during.exists() or post.exists()):
        return launch(argv, cwd=root)
    from . import hooks  # only now: it costs start-up time that a plain run does not need

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


def host_facts(names: Sequence[str], environ: Mapping[str, str], root: Path) -> list[str]:
    """`K=V` for each host variable in `names` (`K` alone when unset), uid, gid, and the
    hash of the last successful build (runtime.state), so a rebuild makes stored files stale.
    """
    from .state import read_state

    facts = [f"{n}={environ[n]}" if n in environ else n for n in sorted(set(names))]
    built = read_state(str(root))
    stamp = built[0] if built else "-"
    return [*facts, f":uid={os.getuid()}", f":gid={os.getgid()}", f":built={stamp}"]


def run_stored(root: Path, name: str, args: Sequence[str]) -> int | None:
    """Run `name` from its stored argv and scripts; None when they are missing or stale."""
    directory = root / ".anysnake2_flake" / "run_scripts" / name
    try:
        argv = (directory / ARGV_FILE).read_text().split("\0")
        stored = (directory / HOST_FILE).read_text().split("\0")
    except OSError:
        return None
    names = [fact.split("=", 1)[0] for fact in stored if not fact.startswith(":")]
    if host_facts(names, os.environ, root) != stored:
        return None
    try:
        dtach = (directory / SESSION_FILE).read_text().strip() != "off"
    except OSError:
        dtach = True
    return execute(directory, root, name, [*argv, *args], dtach=dtach)
