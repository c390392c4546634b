"""`anysnake2 lock [--upgrade [NAME...]]`: resolve and record every pin without building.

Tags, branches and missing values become exact pins, recorded in anysnake2.toml (or
anysnake2.lock.toml beside an anysnake2.py); then the Python lock (`anysnake2.uv.lock`,
commit it) is made or reused. `--upgrade` resolves recorded pins again on purpose: the
named ones (`nixpkgs`, `flakes.hello` or just `hello`, `python.ecosystem_date`, `R.date`,
...), or without names every value anysnake2 recorded (values written by hand stay). A
branch moves to its newest commit, an open value to the newest release, a tag stays that
tag. Naming a value written by hand stops with a usage error (64) that says so; `--force`
replaces it in anysnake2.toml (a value in anysnake2.py is only ever changed there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _log
from ..errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from ..cli import Context
    from ..model import Project

__all__ = ["main", "parse_args"]

USAGE = "usage: anysnake2 lock [--upgrade [NAME...] [--force]]"


def parse_args(args: list[str]) -> tuple[list[str] | None, bool]:
    """The targets to upgrade (`[]`: all; None without `--upgrade`) and `--force`."""
    force = "--force" in args
    args = [arg for arg in args if arg != "--force"]
    if not args:
        if force:
            raise UsageError("--force only goes with 'lock --upgrade NAME...'", hint=USAGE)
        return None, False
    first, rest = args[0], args[1:]
    if first.startswith("--upgrade="):
        first, rest = "--upgrade", [first.split("=", 1)[1], *rest]
    if first != "--upgrade":
        raise UsageError(f"'lock' does not understand {first!r}", hint=USAGE)
    for name in rest:
        if name.startswith("-"):
            raise UsageError(f"'lock --upgrade' takes pin names, not the option {name!r}")
    return rest, force


def main(ctx: Context, args: list[str]) -> int:
    """Resolve, record, lock; 0 when everything is recorded afterwards."""
    from ..resolve.editable_sdists import fetch_editable_sdists
    from ..resolve.pins import pin_project
    from ..resolve.python_lock import LOCK_NAME, ensure_python_lock, python_lock_is_current
    from ..runtime.build import flake_dir_of, project_lock
    from ..runtime.clones import perform_clones
    from ..runtime.host_tools import provide_all

    upgrade, force = parse_args(args)
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
            force=force,
        )
        if project.python is None:
            _log.note("no [python] in the config: no Python lock to make")
            _json_result(ctx, project, None, changed=False)
            return 0
        perform_clones(project, root)
        fetch_editable_sdists(project, root, offline=ctx.offline)
        current = python_lock_is_current(project, root)
        ensure_python_lock(project, root, offline=ctx.offline, locked=ctx.locked)
    state = "up to date:" if current else "wrote"
    _log.note(f"{state} {root / LOCK_NAME}")
    _json_result(ctx, project, root / LOCK_NAME, changed=not current)
    return 0


def _json_result(ctx: Context, project: Project, lock: Path | None, *, changed: bool) -> None:
    """With --json: the pins, open values and the Python lock as one JSON document."""
    if ctx.json:
        from ._json import emit, pins

        python_lock = None if lock is None else str(lock)
        emit(
            "lock",
            config=str(ctx.config_path),
            **pins(project),
            python_lock=python_lock,
            python_lock_changed=changed,
        )
