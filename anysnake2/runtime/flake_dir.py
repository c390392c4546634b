"""Write the flake directory `.anysnake2_flake/` and `git add` what nix must see.

`render` makes the text (`RenderedFlake`); this writes it, each changed file atomically,
so a second anysnake2 or nix never reads half a flake.nix. Nix flakes in a git repository only read tracked files, so flake.nix, .gitignore and the
Python lock copies are added to the index; no commit is made (so no git identity is
needed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import _log, _proc
from .._util.atomic import write_atomic
from .state import FLAKE_DIR

if TYPE_CHECKING:
    from ..render.flake import RenderedFlake

__all__ = ["FLAKE_DIR", "GITIGNORE", "LOCK_COPY", "write_flake_dir"]

LOCK_COPY = "uv/uv.lock"
GITIGNORE = """\
/result
/result-*
/result.sif
/run_scripts/
/dtach/
/venv/
/venv_develop/
/.gcroots/
/.build_unfinished
/flake.nix.old
/.*.json
"""


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and not path.is_symlink() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data, mode=0o644)  # replaces a symlink, never writes through it
    return True


def _stale_sources(flake_dir: Path, rendered: RenderedFlake) -> list[str]:
    """Delete the files below `uv/sources/` that `rendered` no longer copies; their names."""
    top = flake_dir / "uv" / "sources"
    if not top.is_dir():
        return []
    wanted = {relative for relative, _ in rendered.copies.sorted_items()}
    stale = []
    for path in sorted(top.rglob("*")):
        relative = path.relative_to(flake_dir).as_posix()
        if (path.is_file() or path.is_symlink()) and relative not in wanted:
            path.unlink()
            stale.append(relative)
    for path in sorted(top.rglob("*"), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return stale


def _copy_data(relative: str, source: Path) -> bytes:
    """What a copy holds: the file, or for the workspace's uv lock (not a local source's
    own) the form uv2nix reads."""
    if relative == LOCK_COPY:
        from ..render.uvlock import lock_for_uv2nix

        return lock_for_uv2nix(source.read_text(encoding="utf-8")).encode()
    return source.read_bytes()


def write_flake_dir(root: Path, rendered: RenderedFlake, *, keep_user_flake: bool = False) -> bool:
    """Write `rendered` into `root/.anysnake2_flake/`; True when flake.nix or a copy changed.

    A changed flake.nix keeps its predecessor as flake.nix.old. With `keep_user_flake`
    (`do_not_modify_flake = true`) an existing flake.nix is left as it is and what we would
    have written goes beside it as flake.generated.nix. The directory is made a git
    repository if needed, and every written file is `git add`ed.
    """
    flake_dir = Path(root) / FLAKE_DIR
    flake_dir.mkdir(parents=True, exist_ok=True)
    flake_nix = flake_dir / "flake.nix"
    new_text = rendered.flake_nix.encode()
    changed = False
    if keep_user_flake and flake_nix.exists():
        if flake_nix.read_bytes() != new_text:
            _write_if_changed(flake_dir / "flake.generated.nix", new_text)
            _log.warn(
                f"do_not_modify_flake is set: {flake_nix} is built as it is; what anysnake2 "
                "would write is in flake.generated.nix beside it"
            )
    elif not flake_nix.exists() or flake_nix.read_bytes() != new_text:
        if flake_nix.exists():
            write_atomic(flake_dir / "flake.nix.old", flake_nix.read_bytes(), mode=0o644)
        write_atomic(flake_nix, new_text, mode=0o644)
        changed = True
    _write_if_changed(flake_dir / ".gitignore", GITIGNORE.encode())
    tracked = ["flake.nix", ".gitignore"]
    for relative, source in rendered.copies.sorted_items():
        target = flake_dir / relative
        if Path(source).resolve() != target.resolve():
            changed |= _write_if_changed(target, _copy_data(relative, Path(source)))
        tracked.append(relative)
    if (flake_dir / "flake.lock").exists():
        tracked.append("flake.lock")
    stale = _stale_sources(flake_dir, rendered)
    git = _proc.require("git", why="nix flakes read only files tracked by git")
    if not (flake_dir / ".git").exists():
        _proc.run([git, "init", "--quiet", str(flake_dir)], what="git init of the flake dir")
    if stale:
        changed = True
        rm = [git, "rm", "--quiet", "--cached", "--ignore-unmatch", "--", *stale]
        _proc.run(rm, cwd=flake_dir, what="git rm in the flake directory")
    # -f: a copied Python source may bring a .gitignore; nix must still see every file
    add = [git, "add", "-f", "--", *tracked]
    _proc.run(add, cwd=flake_dir, what="git add in the flake directory")
    if changed:
        _log.debug(f"wrote {flake_nix}")
    return changed
