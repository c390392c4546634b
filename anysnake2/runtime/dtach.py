"""Detachable sessions: a command's whole hook sequence runs inside dtach.

`anysnake2 jupyter` over ssh survives a dropped connection: dtach (Ctrl-\\ detaches) holds
the terminal of a small host-side runner (`runner_main`), which runs pre_run_outside,
while_run_outside, the container and post_run_outside (runtime.start.execute). Detaching
therefore neither fires the post hooks nor stops while_run_outside. `dtach -c` returns 0
whatever ran, so the runner writes the exit status to `<socket>.status`; the anysnake2
that waits (or `anysnake2 attach`, later) reads it and exits with it.

Sockets live in `.anysnake2_flake/dtach/<cmd>_<timestamp>`; a socket nobody listens on
(its dtach was killed) is stale and removed. dtach is started with the socket directory
as its working directory and a relative socket name, because a Unix socket path is
limited to 108 bytes and project paths can be longer.

Used when enabled (`[anysnake2] dtach` and `[container] dtach`, default on), outside
screen and tmux (`$STY`, `$TMUX`) and when both stdin and stdout are terminals (output
going to a pipe or file wants the output, not a session). A missing dtach binary gives a
warning and the command runs without a session: detaching is a convenience, and a
command that runs is worth more than one refused. Standard library only.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from .. import _log
from .._util.atomic import write_atomic
from ..errors import AnysnakeError, FailureError, ToolUnavailableError

__all__ = [
    "INSIDE_VARIABLE",
    "SOCKET_DIR",
    "is_live",
    "live_sessions",
    "reattach",
    "refuse_nesting",
    "run_in_session",
    "runner_main",
    "socket_dir",
]

SOCKET_DIR = ".anysnake2_flake/dtach"
#: Set inside every anysnake2 container (runtime.run.prepare): bwrap, unlike singularity
#: and apptainer, leaves no trace of its own in the environment.
INSIDE_VARIABLE = "ANYSNAKE2_INSIDE"
DETACH_NOTE = "detach with Ctrl-\\ (the command keeps running); 'anysnake2 attach' brings it back"
# Orphaned plan/status files (their socket is gone) older than this are removed.
ORPHAN_AGE = 60.0

_RUNNER = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from anysnake2.runtime.dtach import runner_main; sys.exit(runner_main(sys.argv[2]))"
)


def refuse_nesting(environ: Mapping[str, str] | None = None) -> None:
    """FailureError (70) when called inside a singularity/apptainer or anysnake2 container."""
    env = os.environ if environ is None else environ
    for name in ("SINGULARITY_NAME", "APPTAINER_NAME", INSIDE_VARIABLE):
        if env.get(name):
            raise FailureError(
                f"anysnake2 cannot run inside a container (${name} is set): nesting "
                "containers is not supported",
                hint="leave the container (exit its shell) and run anysnake2 on the host",
            )


def socket_dir(root: Path) -> Path:
    """`<root>/.anysnake2_flake/dtach`."""
    return root / SOCKET_DIR


def is_live(directory: Path, name: str) -> bool:
    """True when a dtach listens on the socket `directory/name`."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            # Through the directory's fd: short, whatever the length of the project path.
            probe.connect(f"/proc/self/fd/{fd}/{name}")
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def live_sessions(root: Path) -> list[str]:
    """The names of live sessions (sorted); stale sockets and old orphan files are removed."""
    directory = socket_dir(root)
    if not directory.is_dir():
        return []
    live = []
    entries = sorted(directory.iterdir())
    sockets = {p.name for p in entries if stat.S_ISSOCK(p.lstat().st_mode)}
    for name in sorted(sockets):
        if is_live(directory, name):
            live.append(name)
        else:
            _log.debug(f"removing the stale dtach socket {directory / name}")
            for path in (directory / name, *_side_files(directory, name)):
                _remove(path)
    now = time.time()
    for path in entries:
        base = path.name.rsplit(".", 1)[0]
        if path.suffix in (".plan", ".status") and base not in sockets:
            try:
                if now - path.stat().st_mtime > ORPHAN_AGE:
                    _remove(path)
            except FileNotFoundError:
                pass
    return live


def _side_files(directory: Path, name: str) -> tuple[Path, Path]:
    return directory / f"{name}.plan", directory / f"{name}.status"


def _dtach_binary(root: Path) -> str | None:
    """dtach on PATH, else the one an earlier run built from [outside_nixpkgs]."""
    from .._proc import which
    from .host_tools import cached_tool

    return which("dtach") or cached_tool(root, "dtach")


def _new_name(directory: Path, command: str) -> str:
    while True:
        name = f"{command}_{datetime.now().strftime('%Y-%m-%dT%H:%M:%S.%f')}"
        if not (directory / name).exists() and not (directory / f"{name}.plan").exists():
            return name


def _finish(directory: Path, name: str, returncode: int, action: str) -> int:
    """The session's status after a dtach client returned (0 when only detached)."""
    plan, status_file = _side_files(directory, name)
    try:
        text = status_file.read_text()
    except FileNotFoundError:
        text = None
    if text is not None:
        for path in (plan, status_file):
            _remove(path)
        return int(text.strip() or "70")
    if is_live(directory, name):
        _log.note(f"detached from {name!r}: it keeps running; 'anysnake2 attach' brings it back")
        return 0
    raise FailureError(
        f"{action} {name!r} ended without reporting an exit status (dtach exit code {returncode})",
        hint=f"see the messages above; the session's files are in {directory}",
    )


def _wait(argv: list[str], cwd: Path) -> int:
    """Run a dtach client; Ctrl-C reaches the session through the terminal, not us."""
    import signal

    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        return subprocess.Popen(argv, cwd=cwd).wait()
    finally:
        signal.signal(signal.SIGINT, previous)


def run_in_session(directory: Path, root: Path, name: str, argv: Sequence[str]) -> int | None:
    """Run `start.execute(directory, root, name, argv)` inside a new dtach session.

    Returns the command's status, 0 when the user detached, or None when dtach is not on
    PATH (after a warning: the caller then runs the command directly).
    """
    dtach = _dtach_binary(root)
    if dtach is None:
        _log.warn(
            "dtach was not found on PATH, so this command cannot be detached; install "
            "dtach, or set [anysnake2] dtach = false to run without it quietly"
        )
        return None
    sockets = socket_dir(root)
    sockets.mkdir(parents=True, exist_ok=True)
    live_sessions(root)  # clears stale sockets
    session = _new_name(sockets, name)
    plan, _ = _side_files(sockets, session)
    plan.write_text(
        json.dumps(
            {
                "directory": str(directory),
                "root": str(root),
                "name": name,
                "argv": list(argv),
                "status": str(sockets / f"{session}.status"),
                "verbosity": _log.verbosity(),
            }
        )
    )
    package_parent = str(Path(__file__).resolve().parents[2])
    runner = [sys.executable, "-c", _RUNNER, package_parent, str(plan)]
    # dtach clears the screen when it attaches: push what is there into the scrollback.
    rows = shutil.get_terminal_size((80, 50)).lines
    print("\n" * rows, end="", flush=True)
    code = _wait([dtach, "-c", session, *runner], sockets)
    return _finish(sockets, session, code, "the session")


def reattach(root: Path, name: str) -> int:
    """`dtach -a` to session `name`; the command's status when it ends there, else 0."""
    dtach = _dtach_binary(root)
    if dtach is None:
        raise ToolUnavailableError(
            "dtach was not found on PATH, so no session can be reattached",
            hint="install dtach (Debian/Ubuntu: apt-get install dtach)",
        )
    sockets = socket_dir(root)
    code = _wait([dtach, "-a", name], sockets)
    return _finish(sockets, name, code, "the session")


def runner_main(plan_path: str) -> int:
    """Inside the dtach session: the hooks and the container; the status goes to a file."""
    plan = json.loads(Path(plan_path).read_text())
    _log.set_verbosity(int(plan.get("verbosity", 2)))
    _log.note(DETACH_NOTE)  # inside the session: the screen was just cleared
    status = 70
    try:
        from .start import execute

        status = execute(
            Path(plan["directory"]), Path(plan["root"]), plan["name"], plan["argv"], dtach=False
        )
    except AnysnakeError as error:
        print(error.render(), file=sys.stderr)
        status = error.exit_code
    except KeyboardInterrupt:
        status = 130
    finally:
        write_atomic(plan["status"], f"{status}\n")
    return status
