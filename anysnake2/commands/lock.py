"""`anysnake2 lock [--upgrade [NAME...]]`: resolve and record every pin without building.

Tags, branches and missing values become exact pins, recorded in anysnake2.toml (or
anysnake2.lock.toml beside an anysnake2.py); then the Python lock (`anysnake2.uv.lock`,
commit it) is made or reused. `--upgrade` resolves recorded pins again on purpose: the
named ones (`nixpkgs`, `flakes.hello` or just `hello`, `python.ecosystem_date`, `R.date`,
...), or without names every value anysnake2 recorded (values written by hand stay). A
branch moves to its newest commit, an open value to the newest release, a tag stays that
tag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _log
from ..errors import UsageError

if TYPE_CHECKING:
    from ..cli import Context

__all__ = ["main", "parse_args"]


def parse_args(args: list[str]) -> list[str] | None:
    """The targets to upgrade (`[]`: all), or None without `--upgrade`."""
    if not args:
        return None
    first, rest = args[0], args[1:]
    if first.startswith("--upgrade="):
        first, rest = "--upgrade", [first.split("=", 1)[1], *rest]
    if first != "--upgrade":
        raise UsageError(
            f"'lock' does not understand {first!r}",
            hint="usage: anysnake2 lock [--upgrade [NAME...]]",
        )
    for name in rest:
        if name.startswith("-"):
            raise UsageError(f"'lock --upgrade' takes pin names, not the option {name!r}")
    return rest


def main(ctx: Context, args: list[str]) -> int:
    """Resolve, record, lock; 0 when everything is recorded afterwards."""
    from ..resolve.pins import pin_project
    from ..resolve.python_lock import LOCK_NAME, ensure_python_lock, python_lock_is_current
    from ..runtime.build import flake_dir_of, project_lock
    from ..runtime.clones import perform_clones
    from ..runtime.editables import fetch_editable_sdists
    from ..runtime.host_tools import provide_all

    upgrade = parse_args(args)
    if upgrade is not None and ctx.locked:
        raise UsageError("--locked and 'lock --upgrade' contradict each other")
    root = ctx.root
    provide_all(ctx.project, root, run=False)  # git, hg: from [outside_nixpkgs] if missing
    with project_lock(flake_dir_of(root), "locking"):
        project = pin_project(
            ctx.project,
            root,
            ctx.config_path,
            offline=ctx.offline,
            locked=ctx.locked,
            upgrade=upgrade,
        )
        if project.python is None:
            _log.note("no [python] in the config: no Python lock to make")
            return 0
        perform_clones(project, root)
        fetch_editable_sdists(project, root, offline=ctx.offline)
        current = python_lock_is_current(project, root)
        ensure_python_lock(project, root, offline=ctx.offline, locked=ctx.locked)
    state = "up to date:" if current else "wrote"
    _log.note(f"{state} {root / LOCK_NAME}")
    return 0
