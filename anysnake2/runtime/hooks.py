"""Host-side hooks of a command: pre_run_outside, while_run_outside, post_run_outside.

Each runs as `bash -e -u -o pipefail <run_scripts/<cmd>/<hook>.sh>` in the project root,
with the host's environment. `pre_run_outside` failing aborts the run (FailureError, 70,
with the numbered script); `while_run_outside` runs in its own process group during the
container and is stopped with all its children when the container exits;
`post_run_outside` failing is a warning.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path

from .. import _log, _proc
from ..errors import FailureError

__all__ = ["number_script", "run_post_outside", "run_pre_outside", "start_while", "stop_while"]

_BASH = ["bash", "-e", "-u", "-o", "pipefail"]


def number_script(text: str) -> str:
    """The script with line numbers, as the original printed it (`{:>4} | line`)."""
    return "\n".join(f"{number:>4} | {line}" for number, line in enumerate(text.splitlines(), 1))


def run_pre_outside(name: str, script: Path, root: Path, env: Mapping[str, str]) -> None:
    """Run the pre_run_outside hook; FailureError (70) with the numbered script on failure."""
    proc = _proc.run([*_BASH, script], cwd=root, env=env, check=False, capture=False)
    if proc.returncode != 0:
        raise FailureError(
            f"pre_run_outside of [cmd.{name}] failed with exit code {proc.returncode}; "
            "the container was not started. Script:\n" + number_script(script.read_text()),
            hint=f"fix [cmd.{name}] pre_run_outside (its file: {script})",
        )


def run_post_outside(
    name: str, script: Path, root: Path, env: Mapping[str, str], status: int
) -> None:
    """Run the post_run_outside hook (it sees ANYSNAKE2_RUN_STATUS); failure warns."""
    env = {**env, "ANYSNAKE2_RUN_STATUS": str(status), "ANYSNAKE_RUN_STATUS": str(status)}
    proc = _proc.run([*_BASH, script], cwd=root, env=env, check=False, capture=False)
    if proc.returncode != 0:
        _log.warn(
            f"post_run_outside of [cmd.{name}] failed with exit code {proc.returncode}. "
            "Script:\n" + number_script(script.read_text())
        )


def start_while(script: Path, root: Path, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start the while_run_outside hook in its own process group (not waited for)."""
    _log.debug(f"starting while_run_outside: {_proc.format_argv([*_BASH, script])}")
    # Not _proc.run: this one must run beside the container, in a process group of its
    # own so that stopping it reaches its children too.
    return subprocess.Popen([*_BASH, str(script)], cwd=root, env=dict(env), start_new_session=True)


def stop_while(process: subprocess.Popen[bytes], *, grace: float = 2.0) -> None:
    """Stop the hook and everything in its process group: SIGTERM, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; children may still live in the group.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        break
    process.wait()
