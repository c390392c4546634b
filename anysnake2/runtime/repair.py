"""Repair what a crash or a full disk leaves in `.anysnake2_flake/` (state anysnake2 owns).

Called under the project lock before the flake is written, so no other anysnake2 is using
the folder: an empty or unparsable `flake.lock` (nix writes it again from flake.nix, whose
inputs carry their revisions), git's `index.lock` of a `git add` that was killed, and a
`result` link whose store path is gone. Each repair is said in one line; nothing outside
`.anysnake2_flake/` is touched.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import _log

__all__ = ["repair_flake_dir"]


def repair_flake_dir(flake_dir: Path) -> list[str]:
    """Repair `flake_dir` (see the module); the one-line notes of what was repaired."""
    notes = []
    for repair in (_flake_lock, _git_index_lock, _dangling_result):
        note = repair(flake_dir)
        if note is not None:
            _log.note(note)
            notes.append(note)
    return notes


def _flake_lock(flake_dir: Path) -> str | None:
    path = flake_dir / "flake.lock"
    if path.is_symlink() or not path.is_file():
        return None
    try:
        data = json.loads(path.read_bytes() or b"null")
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("nodes"), dict) and "root" in data:
        return None
    what = "an empty" if path.stat().st_size == 0 else "a corrupt"
    path.unlink()
    return f"removed {what} {path} (left by an interrupted run); nix writes it again"


def _git_index_lock(flake_dir: Path) -> str | None:
    # Under the project lock every git command in this folder is ours and finished: the
    # lock file is the leftover of one that was killed.
    path = flake_dir / ".git" / "index.lock"
    if not path.exists():
        return None
    path.unlink()
    return f"removed the stale git lock {path} (left by an interrupted run)"


def _dangling_result(flake_dir: Path) -> str | None:
    path = flake_dir / "result"
    if not path.is_symlink() or path.exists():
        return None
    target = os.readlink(path)
    path.unlink()
    return f"removed the dangling link {path} -> {target} (its store path is gone); building again"
