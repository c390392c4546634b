"""`anysnake2 attach`: reattach to a running dtach session of this project.

One live session: reattach. Several: list them numbered and ask for a number on stdin.
None: say so and exit 1 (nothing to attach to, like grep finding nothing; README's
table of exit codes). When the command ends while attached, its exit status is ours.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from .. import _log
from ..errors import AnysnakeError, UsageError

if TYPE_CHECKING:
    from ..context import Context

__all__ = ["NoSessionError", "choose", "main"]


class NoSessionError(AnysnakeError):
    """No live session of this project (1: nothing to act on, not a failure of a tool)."""

    exit_code = 1


PROMPT = "please choose a session to reattach (number + Enter), or Ctrl-C to abort: "


def choose(names: list[str]) -> str:
    """Ask on stdin which of `names` to reattach; asks again after an invalid answer."""
    print("sessions of this project:", file=sys.stderr)
    for number, name in enumerate(names, 1):
        print(f"  {number}  {name}", file=sys.stderr)
    while True:
        print(PROMPT, end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            raise UsageError("no session chosen (end of input)")
        answer = line.strip()
        if answer.isdigit() and 1 <= int(answer) <= len(names):
            return names[int(answer) - 1]
        print(f"{answer!r} is not one of 1-{len(names)}", file=sys.stderr)


def main(ctx: Context, args: list[str]) -> int:
    """Reattach to a session of the project; its exit status when it ends while attached."""
    from ..runtime import dtach

    if args:
        raise UsageError("attach takes no arguments", hint="run 'anysnake2 attach'")
    root = ctx.root
    names = dtach.live_sessions(root)
    if not names:
        raise NoSessionError(
            f"no session to attach to: no dtach session of this project is running "
            f"(looked in {dtach.socket_dir(root)})",
            hint="start one with 'anysnake2 <command>' in a terminal outside screen/tmux",
        )
    if not (os.isatty(0) and os.isatty(1)):
        raise UsageError(
            "attach needs a terminal (stdin and stdout)",
            hint="run 'anysnake2 attach' in an interactive terminal",
        )
    name = names[0] if len(names) == 1 else choose(names)
    _log.note(f"reattaching to {name!r} (detach again with Ctrl-\\)")
    return dtach.reattach(root, name)
