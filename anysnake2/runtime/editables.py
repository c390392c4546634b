"""Editable Python packages: what the container binds, and what the lock needs.

An editable package (`name = "editable/code"` in 1.x, `{ editable = true }` in 2.x) is a
checkout at `<editable dir>/<name>` (made by `runtime.clones`). It is not built by nix:
the run step binds the checkout at `/anysnake2/editable/<name>`, puts its import root on
PYTHONPATH and its generated console scripts on PATH, and installs it in editable mode
through a generated site folder (dist-info metadata and entry points, `runtime.
editable_install`) bound at `/anysnake2/editable_site` and also on PYTHONPATH; `develop`
gets the same with host paths (`develop_env`). Its dependencies join the lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model import Project
from ..resolve.editable_deps import editable_checkouts, read_dependencies
from .editable_install import (
    SiteEntry,
    console_scripts,
    read_metadata,
    top_level_modules,
    write_console_scripts,
    write_site,
)

__all__ = [
    "BIN_ROOT",
    "CONTAINER_ROOT",
    "SITE_ROOT",
    "EditableMount",
    "console_scripts",
    "develop_env",
    "editable_mounts",
    "metadata_files",
    "site_dir",
    "write_console_scripts",
]

CONTAINER_ROOT = "/anysnake2/editable"
BIN_ROOT = "/anysnake2/editable_bin"
SITE_ROOT = "/anysnake2/editable_site"


@dataclass(frozen=True)
class EditableMount:
    """One editable package for the run step.

    Bind `host_path` (the checkout) at `container_path`, and `scripts_host_path` (the
    generated console scripts, maybe empty) at `path_entry`; add `pythonpath_entry` to
    PYTHONPATH and `path_entry` to PATH.
    """

    name: str
    host_path: Path
    container_path: str
    pythonpath_entry: str
    path_entry: str
    scripts_host_path: Path


def site_dir(root: Path, *, develop: bool = False) -> Path:
    """The generated site folder (dist-info and .pth of every editable) for the container
    (`editable_site/run`, bound at SITE_ROOT) or for `develop` (host paths)."""
    return root / ".anysnake2_flake" / "editable_site" / ("develop" if develop else "run")


def editable_mounts(project: Project, root: Path, *, develop: bool = False) -> list[EditableMount]:
    """The binds and search-path entries of every editable package (sorted by name).

    Writes what installs them (runtime.editable_install): console scripts below
    `<root>/.anysnake2_flake/editable_bin/<name>` and the site folder `site_dir(root)`. With
    `develop`, the paths are the host's (no container): the scripts go to
    `editable_bin_develop/<name>` and the site folder to `site_dir(root, develop=True)`.
    FailureError (70) when a checkout is missing (clones run first).
    """
    mounts = []
    entries = []
    bin_dir = root / ".anysnake2_flake" / ("editable_bin_develop" if develop else "editable_bin")
    for name, checkout in editable_checkouts(project, root):
        container = str(checkout) if develop else f"{CONTAINER_ROOT}/{name}"
        inner = import_root(checkout, name)
        pythonpath = container if inner == "." else f"{container}/{inner}"
        meta = read_metadata(checkout, name, read_dependencies(checkout))
        scripts = bin_dir / name
        write_console_scripts(meta.entry_points.get("console_scripts", {}), scripts, pythonpath)
        path_entry = str(scripts) if develop else f"{BIN_ROOT}/{name}"
        mounts.append(EditableMount(name, checkout, container, pythonpath, path_entry, scripts))
        top = top_level_modules(checkout / inner)
        entries.append(SiteEntry(meta, pythonpath, container, top))
    if mounts or site_dir(root, develop=develop).exists():
        write_site(site_dir(root, develop=develop), entries)
    return mounts


def develop_env(project: Project, root: Path, environ: dict[str, str]) -> dict[str, str]:
    """`environ` with the editables' import roots and site folder first on PYTHONPATH and
    their console scripts on PATH, for `develop` (host paths, written here)."""
    mounts = editable_mounts(project, root, develop=True)
    if not mounts:
        return dict(environ)
    env = dict(environ)
    pythonpath = [m.pythonpath_entry for m in mounts] + [str(site_dir(root, develop=True))]
    if env.get("PYTHONPATH"):
        pythonpath.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = ":".join(pythonpath)
    env["PATH"] = ":".join([*(m.path_entry for m in mounts), env.get("PATH", "")]).rstrip(":")
    return env


_METADATA = ("pyproject.toml", "requirements.txt", "setup.cfg", "setup.py")


def metadata_files(project: Project, root: Path) -> list[Path]:
    """The files of the editable checkouts that decide the lock, the console scripts and the
    installed metadata (present or not; sorted), for the warm path's "nothing changed"
    hash."""
    if project.python is None:
        return []
    return [
        root / package.editable / name / meta
        for name, package in sorted(project.python.packages.items())
        if package.editable is not None
        for meta in _METADATA
    ]


def import_root(checkout: Path, name: str) -> str:
    """The folder (relative to the checkout) that goes on PYTHONPATH: `src` for a src
    layout, else `.`."""
    module = name.replace("-", "_").lower()
    src = checkout / "src"
    if src.is_dir() and not _has_module(checkout, module) and _has_module(src, module):
        return "src"
    if src.is_dir() and not _has_module(checkout, module) and any(src.glob("*/__init__.py")):
        return "src"
    return "."


def _has_module(folder: Path, module: str) -> bool:
    for entry in folder.iterdir():
        stem = entry.name.lower()
        if entry.is_dir() and stem == module:
            return True
        if entry.suffix == ".py" and entry.stem.lower() == module:
            return True
    return False
