"""`anysnake2 lock`: make or refresh the recorded locks without building.

For now the Python lock: `anysnake2.uv.lock` beside the config (commit it) and its
workspace copy in `.anysnake2_flake/uv_workspace/`. uv runs only when the packages, the
ecosystem date or the Python version changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _log
from ..errors import UsageError

if TYPE_CHECKING:
    from ..cli import Context

__all__ = ["main"]


def main(ctx: Context, args: list[str]) -> int:
    """Make or refresh the Python lock; 0 when it is current afterwards."""
    from ..resolve.python_lock import LOCK_NAME, ensure_python_lock, python_lock_is_current
    from ..runtime.build import flake_dir_of, project_lock

    if args:
        raise UsageError(f"'lock' takes no arguments, got {' '.join(args)!r}")
    project = ctx.project
    root = ctx.root
    if project.python is None:
        _log.note("no [python] in the config: no Python lock to make")
        return 0
    with project_lock(flake_dir_of(root), "locking"):
        current = python_lock_is_current(project, root)
        ensure_python_lock(project, root, offline=ctx.offline, locked=ctx.locked)
    state = "up to date:" if current else "wrote"
    _log.note(f"{state} {root / LOCK_NAME}")
    return 0
