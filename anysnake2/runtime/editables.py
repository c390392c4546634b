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

import re
from dataclasses import dataclass
from pathlib import Path

from .. import _log
from ..errors import FailureError
from ..model import Project
from .editable_install import (
    SiteEntry,
    console_scripts,
    load_toml,
    read_metadata,
    setup_cfg,
    setup_py_kwargs,
    top_level_modules,
    write_console_scripts,
    write_site,
)
from .editable_sdists import PYPI_JSON_ENV, Sdist, choose_sdist, fetch_editable_sdists

__all__ = [
    "BIN_ROOT",
    "CONTAINER_ROOT",
    "PYPI_JSON_ENV",
    "SITE_ROOT",
    "EditableMount",
    "Sdist",
    "choose_sdist",
    "console_scripts",
    "develop_env",
    "editable_mounts",
    "editable_requirements",
    "fetch_editable_sdists",
    "metadata_files",
    "read_dependencies",
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


def _checkouts(project: Project, root: Path) -> list[tuple[str, Path]]:
    if project.python is None:
        return []
    found = []
    for name, package in sorted(project.python.packages.items()):
        if package.editable is None:
            continue
        checkout = root / package.editable / name
        if not checkout.is_dir() or not any(checkout.iterdir()):
            state = "empty" if checkout.is_dir() else "missing"
            fetch = (
                "run the clones first (anysnake2 build clones what is missing)"
                if package.source is not None
                else "fetch its sdist first (fetch_editable_sdists), or add it to "
                f"[clones.{package.editable}], or check it out there yourself"
            )
            raise FailureError(
                f"editable python package {name}: its checkout {checkout} is {state}",
                hint=fetch,
            )
        found.append((name, checkout))
    return found


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
    for name, checkout in _checkouts(project, root):
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


def editable_requirements(project: Project, root: Path) -> list[str]:
    """PEP 508 requirements of all editable packages, for the lock (sorted, unique).

    The editable packages themselves are left out, so editables that depend on each other
    resolve to the checkouts.
    """
    checkouts = _checkouts(project, root)
    own = {_canonical(name) for name, _ in checkouts}
    wanted: set[str] = set()
    for _name, checkout in checkouts:
        for requirement in read_dependencies(checkout):
            if _canonical(_req_name(requirement)) not in own:
                wanted.add(requirement)
    return sorted(wanted)


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


# --- dependencies ---------------------------------------------------------------------------


def read_dependencies(checkout: Path) -> tuple[str, ...]:
    """PEP 508 dependencies from `requirements.txt`, `setup.cfg` `[options] install_requires`,
    a literal `install_requires` in setup.py's `setup(...)` (parsed, not run) and
    `pyproject.toml` `[project] dependencies` (all that exist; sorted, unique)."""
    found: set[str] = set()
    found.update(_from_requirements_txt(checkout / "requirements.txt"))
    found.update(_from_setup_cfg(checkout))
    found.update(_from_setup_py(checkout))
    found.update(_from_pyproject(checkout / "pyproject.toml"))
    return tuple(sorted(found))


def _normalise(text: str, where: Path) -> str | None:
    from packaging.requirements import InvalidRequirement, Requirement

    text = text.strip()
    if not text:
        return None
    try:
        return str(Requirement(text))
    except InvalidRequirement as error:
        raise FailureError(
            f"{where}: {text!r} is not a valid requirement ({error})",
            hint="write PEP 508 requirements, e.g. 'pandas>=2' or 'attrs; python_version<\"3.8\"'",
        ) from None


def _from_requirements_txt(path: Path) -> list[str]:
    if not path.is_file():
        return []
    found = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        if line.startswith("-"):
            _log.warn(f"{path}: ignoring the pip option line {line!r}")
            continue
        requirement = _normalise(line, path)
        if requirement:
            found.append(requirement)
    return found


def _from_setup_cfg(checkout: Path) -> list[str]:
    parser = setup_cfg(checkout)
    if parser is None:
        return []
    value = parser.get("options", "install_requires", fallback="")
    found = []
    for raw in value.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        requirement = _normalise(line, checkout / "setup.cfg") if line else None
        if requirement:
            found.append(requirement)
    return found


def _from_setup_py(checkout: Path) -> list[str]:
    """`install_requires` of setup.py's `setup(...)`, when it is a literal list."""
    value = setup_py_kwargs(checkout).get("install_requires", [])
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, (list, tuple)):
        return []
    path = checkout / "setup.py"
    return [r for r in (_normalise(str(v), path) for v in value) if r]


def _from_pyproject(path: Path) -> list[str]:
    if not path.is_file():
        return []
    data = load_toml(path)
    project = data.get("project", {})
    deps = project.get("dependencies", []) if isinstance(project, dict) else []
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise FailureError(f"{path}: [project] dependencies must be a list of strings")
    return [r for r in (_normalise(d, path) for d in deps) if r]


def _req_name(requirement: str) -> str:
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return match.group(1) if match else requirement


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
