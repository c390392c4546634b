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
    "PYPI_JSON_ENV",
    "EditableMount",
    "Sdist",
    "choose_sdist",
    "console_scripts",
    "editable_mounts",
    "editable_requirements",
    "fetch_editable_sdists",
    "metadata_files",
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


_METADATA = ("pyproject.toml", "requirements.txt", "setup.cfg")


def metadata_files(project: Project, root: Path) -> list[Path]:
    """The files of the editable checkouts that decide the lock and the console scripts
    (present or not; sorted), for the warm path's "nothing changed" hash."""
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
    from .. import _toml as toml

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


# --- editables without a URL: the sdist from PyPI ---------------------------------------------

#: Overrides the PyPI base URL (`<base>/pypi/<name>/json`), e.g. for a local test index.
PYPI_JSON_ENV = "ANYSNAKE2_PYPI_JSON_URL"
_PYPI_DEFAULT = "https://pypi.org"


@dataclass(frozen=True)
class Sdist:
    """The sdist chosen for an editable package without a URL."""

    name: str
    version: str
    url: str
    sha256: str | None


def fetch_editable_sdists(project: Project, root: Path, *, offline: bool) -> list[Path]:
    """Unpack the sdist of every editable package without a URL whose checkout is missing
    or empty (as the original did); returns the checkouts made (sorted by name).

    The version is the newest release with an sdist that meets the package's version
    (`==1.2`, `>=1`, or any), uploaded up to the ecosystem date (any date for `pypi`
    packages). Runs before the lock, which then reads the checkout's dependencies. An
    existing, non-empty checkout is never touched.
    """
    if project.python is None:
        return []
    made = []
    for name, package in sorted(project.python.packages.items()):
        if package.editable is None or package.source is not None:
            continue
        target = root / package.editable / name
        if target.is_dir() and any(target.iterdir()):
            continue
        if target.exists() and not target.is_dir():
            raise FailureError(
                f"editable python package {name}: {target} exists and is not a folder",
                hint="move it away; the sdist is unpacked only into a missing or empty folder",
            )
        if offline:
            from ..errors import NetworkError

            raise NetworkError(
                f"editable python package {name} must be fetched from PyPI into {target}",
                hint="run without --offline once",
            )
        date = None if package.pypi else project.python.ecosystem_date
        sdist = choose_sdist(name, package.version, date)
        from .._progress import Step

        what = f"fetching {sdist.name} {sdist.version} (sdist) into {target}"
        with Step(what, done=f"unpacked {sdist.name} {sdist.version} into {target}"):
            _unpack_into_place(sdist, target)
        made.append(target)
    return made


def _pypi_json(name: str) -> dict[str, Any]:
    import os

    import requests

    from ..errors import ConfigError, NetworkError

    base = os.environ.get(PYPI_JSON_ENV, _PYPI_DEFAULT).rstrip("/")
    url = f"{base}/pypi/{name}/json"
    try:
        response = requests.get(url, timeout=60)
    except requests.RequestException as error:
        raise NetworkError(
            f"could not ask PyPI about the editable package {name} ({url}): {error}",
            hint="check the network and run again",
        ) from None
    if response.status_code == 404:
        raise ConfigError(
            f"editable python package {name} is not on PyPI ({url} answered 404)",
            hint="give it a url (git+https://...) or check the name",
        )
    if response.status_code != 200:
        raise NetworkError(f"{url} answered HTTP {response.status_code}", hint="run again later")
    data = response.json()
    if not isinstance(data, dict):
        raise NetworkError(f"{url} did not answer a JSON object")
    return data


def choose_sdist(name: str, version: str, date: str | None) -> Sdist:
    """The newest sdist of `name` meeting the specifier `version`, uploaded by `date`
    (ISO day, inclusive; None: any). ConfigError (65) when there is none."""
    import datetime as dt

    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    from ..errors import ConfigError

    try:
        wanted = SpecifierSet(version)
    except InvalidSpecifier:
        raise ConfigError(
            f"python.packages.{name}: {version!r} is not a version specifier"
        ) from None
    cutoff = (dt.date.fromisoformat(date) + dt.timedelta(days=1)).isoformat() if date else None
    best: tuple[Version, dict[str, Any]] | None = None
    releases = _pypi_json(name).get("releases", {})
    for text, files in releases.items() if isinstance(releases, dict) else ():
        try:
            parsed = Version(text)
        except InvalidVersion:
            continue
        # Pre-releases only when the specifier names one (as pip and uv do).
        if not wanted.contains(parsed, prereleases=bool(wanted.prereleases)):
            continue
        if not isinstance(files, list):
            continue
        for item in files:
            if not isinstance(item, dict) or item.get("packagetype") != "sdist":
                continue
            if item.get("yanked"):
                continue
            uploaded = str(item.get("upload_time_iso_8601") or item.get("upload_time") or "")
            if cutoff is not None and uploaded[:10] >= cutoff:
                continue
            if best is None or parsed > best[0]:
                best = (parsed, item)
    if best is None:
        when = f" uploaded by {date}" if date else ""
        raise ConfigError(
            f"editable python package {name}: PyPI has no sdist for {version or 'any version'}"
            f"{when}",
            hint="change its version or the ecosystem date, or give it a url",
        )
    digests = best[1].get("digests")
    sha = digests.get("sha256") if isinstance(digests, dict) else None
    return Sdist(name, str(best[0]), str(best[1]["url"]), sha)


def _unpack_into_place(sdist: Sdist, target: Path) -> None:
    """Download and unpack (first path component stripped) into a temporary sibling, then
    rename it to `target`: an interrupted fetch leaves nothing half-made."""
    import hashlib
    import os
    import shutil
    import tempfile

    import requests

    from ..errors import NetworkError

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.sdist-", dir=target.parent))
    try:
        archive = work / "sdist.tar.gz"
        try:
            with requests.get(sdist.url, timeout=60, stream=True) as response:
                response.raise_for_status()
                with open(archive, "wb") as handle:
                    handle.writelines(response.iter_content(1 << 16))
        except requests.RequestException as error:
            raise NetworkError(
                f"could not download {sdist.url}: {error}", hint="check the network"
            ) from None
        if sdist.sha256 is not None:
            got = hashlib.sha256(archive.read_bytes()).hexdigest()
            if got != sdist.sha256:
                raise FailureError(
                    f"{sdist.url}: sha256 {got} does not match PyPI's {sdist.sha256}",
                    hint="run again; if it persists, the download is being tampered with",
                )
        unpacked = work / "tree"
        unpacked.mkdir()
        _safe_untar(archive, unpacked, sdist.url)
        if target.is_dir():
            target.rmdir()  # empty (checked by the caller)
        os.replace(unpacked, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _safe_untar(archive: Path, dest: Path, what: str) -> None:
    """Extract regular files and folders with the first path component stripped.

    Links, devices and names that are absolute or contain `..` are refused or skipped:
    an archive cannot write outside `dest`.
    """
    import tarfile

    try:
        with tarfile.open(archive) as tar:
            _extract_members(tar, dest, what)
    except tarfile.TarError as error:
        raise FailureError(f"{what} is not a readable tar archive ({error})") from None


def _extract_members(tar: Any, dest: Path, what: str) -> None:
    """Regular files and folders, first path component stripped, no escapes."""
    import copy
    import tarfile

    for member in tar.getmembers():
        parts = [p for p in member.name.split("/") if p not in ("", ".")]
        if member.name.startswith("/") or ".." in parts:
            raise FailureError(f"{what}: refusing the unsafe archive member {member.name!r}")
        if len(parts) < 2:
            continue
        if not (member.isfile() or member.isdir()):
            _log.warn(f"{what}: skipping {member.name!r} (not a file or folder)")
            continue
        inner = copy.copy(member)
        inner.name = "/".join(parts[1:])
        inner.mode = (0o755 if member.isdir() or member.mode & 0o111 else 0o644) | 0o200
        if hasattr(tarfile, "data_filter"):
            tar.extract(inner, dest, filter="data")
        else:  # Python < 3.11.4: the checks above already refused escapes
            tar.extract(inner, dest)
