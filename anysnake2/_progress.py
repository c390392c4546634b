"""One live status line for a long step (nix build, uv lock, a clone), with elapsed time.

On a terminal (stderr is a TTY, verbosity ≥ 2) the line is redrawn in place twice a second:
`⠿ building rootfs with nix  12s  <the newest output line>`, and replaced at the end by
`anysnake2: built rootfs with nix in 23.4s`. Otherwise plain lines: one when the step
starts and one when it ends. At `-v 0` and `-v 1` nothing. Standard library only.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType

from . import _log

__all__ = ["Step", "live"]

_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def live() -> bool:
    """True when a live status line is drawn: stderr is a terminal and verbosity ≥ 2."""
    if _log.verbosity() < 2 or os.environ.get("TERM") == "dumb":
        return False
    try:
        return os.isatty(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):
        return False


class Step:
    """`with Step("building rootfs with nix", done="built rootfs with nix") as step:`.

    `step.update(line)` shows the newest output line (on a terminal only). `announce`
    False: no plain start line (the caller said what starts already).
    """

    def __init__(self, what: str, *, done: str | None = None, announce: bool = True) -> None:
        self.what = what
        self.announce = announce
        self.done = done or what
        self.started = time.monotonic()
        self.latest = ""
        self._live = live()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def elapsed(self) -> float:
        """Seconds since the step started."""
        return time.monotonic() - self.started

    def update(self, line: str) -> None:
        """Remember the newest output line for the status line."""
        self.latest = line.strip()

    def __enter__(self) -> Step:  # noqa: PYI034 - not subclassed
        self.started = time.monotonic()
        if self._live:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        elif self.announce:
            _log.note(f"{self.what} ...")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
        if kind is None:  # a failure is told by the error that follows
            _log.note(f"{self.done} in {self.elapsed():.1f}s")

    def _tick(self) -> None:
        frame = 0
        while not self._stop.wait(0.5 if frame else 0):
            width = _columns()
            head = f"{_FRAMES[frame % len(_FRAMES)]} {self.what}  {int(self.elapsed())}s"
            room = width - len(head) - 3
            tail = f"  {self.latest[:room]}" if room > 10 and self.latest else ""
            sys.stderr.write(f"\r\x1b[K{head}{tail}"[: width + 4])
            sys.stderr.flush()
            frame += 1


def _columns() -> int:
    try:
        columns = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        columns = 0
    return columns - 1 if columns > 20 else 79  # a new pty reports 0 columns
