"""The live status line of long steps (issue 18): terminal, pipe, -v 0."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.test_cli_frame import REPO

SNIPPET = """
import sys, time
from anysnake2 import _log
from anysnake2._progress import Step
_log.set_verbosity(int(sys.argv[1]))
with Step("building rootfs with nix", done="built rootfs with nix") as step:
    step.update("copying path '/nix/store/abc-hello'")
    time.sleep(float(sys.argv[2]))
"""


def _run(verbosity: int, *, terminal: bool, seconds: float = 1.3) -> str:
    """The snippet's stderr; its step lasts `seconds` (past 1 s: the elapsed time shows)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), TERM="xterm")
    argv = [sys.executable, "-c", SNIPPET, str(verbosity), str(seconds)]
    if not terminal:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
        return proc.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, env=env, stderr=follower, stdout=subprocess.DEVNULL)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=30) == 0
    os.close(leader)
    return b"".join(chunks).decode()


def test_a_terminal_gets_one_live_line_with_elapsed_time() -> None:
    out = _run(2, terminal=True)
    frames = [f for f in out.split("\r") if "building rootfs with nix" in f]
    assert len(frames) >= 2, out  # redrawn in place
    assert any(" 1s" in f for f in frames), out
    assert "copying path" in out
    assert "\n" not in out.rstrip("\r\n").split("anysnake2: built")[0], out  # one line only
    assert "anysnake2: built rootfs with nix in 1." in out


@pytest.mark.parametrize("terminal", [False, True])
def test_quiet_at_v0(terminal: bool) -> None:
    # a live line would draw at once and be cleared at the end: no need to wait for it
    assert _run(0, terminal=terminal, seconds=0).strip() == ""


def test_plain_lines_without_a_terminal() -> None:
    lines = _run(2, terminal=False).splitlines()
    assert lines[0] == "anysnake2: building rootfs with nix ..."
    assert lines[1].startswith("anysnake2: built rootfs with nix in 1.")
    assert len(lines) == 2 and "\r" not in "".join(lines)
