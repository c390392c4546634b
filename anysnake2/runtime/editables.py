"""Editable Python packages: what the container binds, and what the lock needs.

An editable package (`name = "editable/code"` in 1.x, `{ editable = true }` in 2.x) is a
checkout at `<editable dir>/<name>` (made by `runtime.clones`). It is not built by nix:
the run step binds the checkout at `/anysnake2/editable/<name>`, puts its import root on
PYTHONPATH and its generated console scripts on PATH; its dependencies join the lock.
"""

from __future__ import annotations

import configparser
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import _log
from ..errors import FailureError
from ..model import Project

__all__ = [
    "BIN_ROOT",
    "CONTAINER_ROOT",
    "EditableMount",
    "console_scripts",
    "editable_mounts",
    "editable_requirements",
    "read_dependencies",
    "write_console_scripts",
]

CONTAINER_ROOT = "/anysnake2/editable"
BIN_ROOT = "/anysnake2/editable_bin"
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


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
        if not checkout.is_dir():
            raise FailureError(
                f"editable python package {name} is not present in the file system: "
                f"looking for {checkout}",
                hint=f"add it to [clones.{package.editable}] or give it a url, or check it out "
                "there yourself",
            )
        found.append((name, checkout))
    return found


def editable_mounts(project: Project, root: Path) -> list[EditableMount]:
    """The binds and search-path entries of every editable package (sorted by name).

    Console scripts are written below `<root>/.anysnake2_flake/editable_bin/<name>`.
    FailureError (70) when a checkout is missing (clones run first).
    """
    mounts = []
    for name, checkout in _checkouts(project, root):
        container = f"{CONTAINER_ROOT}/{name}"
        inner = import_root(checkout, name)
        pythonpath = container if inner == "." else f"{container}/{inner}"
        scripts = root / ".anysnake2_flake" / "editable_bin" / name
        write_console_scripts(console_scripts(checkout), scripts, pythonpath)
        mounts.append(
            EditableMount(name, checkout, container, pythonpath, f"{BIN_ROOT}/{name}", scripts)
        )
    return mounts


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
    """PEP 508 dependencies from `requirements.txt`, `setup.cfg` `[options] install_requires`
    and `pyproject.toml` `[project] dependencies` (all that exist; sorted, unique)."""
    found: set[str] = set()
    found.update(_from_requirements_txt(checkout / "requirements.txt"))
    found.update(_from_setup_cfg(checkout / "setup.cfg"))
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


def _from_setup_cfg(path: Path) -> list[str]:
    if not path.is_file():
        return []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except configparser.Error as error:
        raise FailureError(f"{path} could not be parsed: {error}") from None
    value = parser.get("options", "install_requires", fallback="")
    found = []
    for raw in value.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        requirement = _normalise(line, path) if line else None
        if requirement:
            found.append(requirement)
    return found


def _from_pyproject(path: Path) -> list[str]:
    if not path.is_file():
        return []
    data = _load_toml(path)
    project = data.get("project", {})
    deps = project.get("dependencies", []) if isinstance(project, dict) else []
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise FailureError(f"{path}: [project] dependencies must be a list of strings")
    return [r for r in (_normalise(d, path) for d in deps) if r]


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib as toml
    except ModuleNotFoundError:  # Python 3.10
        import tomli as toml  # type: ignore[no-redef]
    try:
        return toml.loads(path.read_text(encoding="utf-8"))
    except toml.TOMLDecodeError as error:
        raise FailureError(f"{path} is not valid TOML: {error}") from None


def _req_name(requirement: str) -> str:
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return match.group(1) if match else requirement


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- console scripts ------------------------------------------------------------------------


def console_scripts(checkout: Path) -> dict[str, str]:
    """Console scripts (`name` -> `module:function`) from pyproject.toml `[project.scripts]`
    and setup.cfg `[options.entry_points] console_scripts`."""
    scripts: dict[str, str] = {}
    cfg = checkout / "setup.cfg"
    if cfg.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(cfg.read_text(encoding="utf-8"), source=str(cfg))
        for line in parser.get("options.entry_points", "console_scripts", fallback="").splitlines():
            name, sep, target = line.partition("=")
            if sep and name.strip():
                scripts[name.strip()] = target.strip()
    pyproject = checkout / "pyproject.toml"
    if pyproject.is_file():
        project = _load_toml(pyproject).get("project", {})
        table = project.get("scripts", {}) if isinstance(project, dict) else {}
        if isinstance(table, dict):
            scripts.update({str(k): str(v) for k, v in table.items()})
    return dict(sorted(scripts.items()))


def write_console_scripts(scripts: dict[str, str], folder: Path, pythonpath: str) -> None:
    """Write one `/bin/sh` wrapper per console script into `folder` (stale ones removed).

    The wrapper runs the container's `python3` with the editable import root first on
    sys.path, so it works even where PYTHONPATH was reset.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.name not in scripts:
            old.unlink()
    for name, target in scripts.items():
        if not re.match(r"^[A-Za-z0-9_.-]+$", name):
            raise FailureError(f"console script name {name!r} is not a valid file name")
        module, _, attr = target.partition(":")
        module, attr = module.strip(), attr.split("[", 1)[0].strip()  # "mod:fn [extra]"
        if not _DOTTED.match(module) or not _DOTTED.match(attr):
            raise FailureError(
                f"console script {name!r}: {target!r} is not 'module:function'",
                hint="fix [project.scripts] or [options.entry_points] of the editable package",
            )
        code = (
            "import sys; sys.path.insert(0, sys.argv.pop(1)); "
            f"from {module} import {attr.split('.')[0]} as _m; "
            f"sys.argv[0] = {name!r}; "
            f"sys.exit(_m{''.join('.' + p for p in attr.split('.')[1:])}())"
        )
        text = f'#!/bin/sh\nexec python3 -c {shlex.quote(code)} {shlex.quote(pythonpath)} "$@"\n'
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        path.chmod(0o755)
