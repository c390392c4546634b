"""What an editable checkout declares for the lock: its dependencies, read statically.

pyproject.toml `[project] dependencies`, setup.cfg `[options] install_requires`, a literal
`install_requires` of setup.py's `setup(...)` (parsed with `ast`, never executed) and
requirements.txt. The lock (resolve.python_lock) adds them; the run step's editable
install (runtime.editable_install) reads the same files through `load_toml`, `setup_cfg`
and `setup_py_kwargs`.
"""

from __future__ import annotations

import ast
import configparser
import re
from pathlib import Path
from typing import Any

from .. import _log
from .._util.names import normalize_name, requirement_name
from ..errors import FailureError
from ..model import Project

__all__ = [
    "editable_checkouts",
    "editable_requirements",
    "load_toml",
    "read_dependencies",
    "setup_cfg",
    "setup_py_kwargs",
]


def editable_checkouts(project: Project, root: Path) -> list[tuple[str, Path]]:
    """(name, checkout) of every editable package (sorted by name); FailureError (70)
    when a checkout is missing or empty."""
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


def editable_requirements(project: Project, root: Path) -> list[str]:
    """PEP 508 requirements of all editable packages, for the lock (sorted, unique).

    The editable packages themselves are left out, so editables that depend on each other
    resolve to the checkouts.
    """
    checkouts = editable_checkouts(project, root)
    own = {normalize_name(name) for name, _ in checkouts}
    wanted: set[str] = set()
    for _name, checkout in checkouts:
        for requirement in read_dependencies(checkout):
            if requirement_name(requirement) not in own:
                wanted.add(requirement)
    return sorted(wanted)


def load_toml(path: Path) -> dict[str, Any]:
    """The TOML file at `path`; FailureError (70) naming it when it is not valid TOML."""
    from .. import _toml as toml

    try:
        return toml.loads(path.read_text(encoding="utf-8"))
    except toml.TOMLDecodeError as error:
        raise FailureError(f"{path} is not valid TOML: {error}") from None


def setup_cfg(checkout: Path) -> configparser.ConfigParser | None:
    """The checkout's setup.cfg, parsed (no interpolation); None when there is none."""
    path = checkout / "setup.cfg"
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except configparser.Error as error:
        raise FailureError(f"{path} could not be parsed: {error}") from None
    return parser


def setup_py_kwargs(checkout: Path) -> dict[str, Any]:
    """Literal keyword arguments of the `setup(...)` call in setup.py (not executed)."""
    path = checkout / "setup.py"
    if not path.is_file():
        return {}
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, ValueError) as error:
        _log.warn(f"{path} could not be parsed ({error}); its metadata is not read")
        return {}
    found: dict[str, Any] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if called != "setup":
            continue
        for keyword in node.keywords:
            if keyword.arg is None:
                continue
            try:
                found[keyword.arg] = ast.literal_eval(keyword.value)
            except ValueError:
                continue  # computed at run time: not knowable without executing setup.py
    return found


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
