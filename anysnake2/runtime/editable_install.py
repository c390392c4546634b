"""Editable packages installed the way pip's editable install leaves them: metadata and
entry points, made without running the package's build backend.

For each editable checkout, a site folder (`.anysnake2_flake/editable_site/<view>/`) gets
`<name>-<version>.dist-info/` (METADATA with Requires-Dist, entry_points.txt, RECORD,
INSTALLER, direct_url.json with `dir_info.editable = true`, top_level.txt) and
`__editable__.<name>-<version>.pth` naming the import root. The folder is on PYTHONPATH in
the container and in `develop`, so `importlib.metadata` (and pip) find the distribution
and its entry points; the import root is on PYTHONPATH too (a `.pth` is only read in a
site directory). In the container the venv's `anysnake2_editables.pth` (render.python)
also adds the folder as a site directory, so `python -I` finds them as well.

Everything is read statically: pyproject.toml `[project]`, setup.cfg `[metadata]` and
`[options.entry_points]`, and literal arguments of `setup(...)` in setup.py (parsed with
`ast`, never executed). Compiled extensions are built only on request
(`anysnake2 build editables`, runtime.editable_build).
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import _log
from .._util.atomic import write_atomic
from .._util.names import normalize_name
from ..errors import FailureError
from ..resolve.editable_deps import load_toml, setup_cfg, setup_py_kwargs

__all__ = [
    "EditableMeta",
    "SiteEntry",
    "console_scripts",
    "read_metadata",
    "top_level_modules",
    "write_console_scripts",
    "write_site",
]

_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_VERSION_ASSIGN = re.compile(
    r"""^__version__\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]""", re.MULTILINE
)


@dataclass(frozen=True)
class EditableMeta:
    """What an editable checkout declares: distribution name, version, requirements and
    entry points (group → name → `module:attr`)."""

    name: str
    version: str
    requires: tuple[str, ...] = ()
    entry_points: dict[str, dict[str, str]] = field(default_factory=dict)
    summary: str = ""


def _entry_lines(value: Any) -> dict[str, str]:
    """`name = target` lines (a string or a list of them) → {name: target}."""
    lines = value.splitlines() if isinstance(value, str) else list(value or ())
    found = {}
    for line in lines:
        name, sep, target = str(line).partition("=")
        if sep and name.strip():
            found[name.strip()] = target.strip()
    return found


def _entry_points(checkout: Path, cfg: Any, setup_py: dict[str, Any]) -> dict[str, dict[str, str]]:
    groups: dict[str, dict[str, str]] = {}
    declared = setup_py.get("entry_points")
    if isinstance(declared, dict):
        for group, value in declared.items():
            groups.setdefault(str(group), {}).update(_entry_lines(value))
    if cfg is not None and cfg.has_section("options.entry_points"):
        for group, value in cfg.items("options.entry_points"):
            groups.setdefault(group, {}).update(_entry_lines(value))
    pyproject = checkout / "pyproject.toml"
    project = load_toml(pyproject).get("project", {}) if pyproject.is_file() else {}
    if isinstance(project, dict):
        for key, group in (("scripts", "console_scripts"), ("gui-scripts", "gui_scripts")):
            table = project.get(key)
            if isinstance(table, dict):
                groups.setdefault(group, {}).update({str(k): str(v) for k, v in table.items()})
        for group, table in (project.get("entry-points") or {}).items():
            if isinstance(table, dict):
                groups.setdefault(str(group), {}).update({str(k): str(v) for k, v in table.items()})
    return {g: dict(sorted(e.items())) for g, e in sorted(groups.items()) if e}


def console_scripts(checkout: Path) -> dict[str, str]:
    """Console scripts (`name` -> `module:function`) from pyproject.toml `[project.scripts]`,
    setup.cfg `[options.entry_points] console_scripts` and setup.py's literal
    `entry_points`."""
    cfg = setup_cfg(checkout)
    return _entry_points(checkout, cfg, setup_py_kwargs(checkout)).get("console_scripts", {})


def _attr_version(checkout: Path, spec: str) -> str | None:
    """setup.cfg `version = attr: pkg.__version__`: the literal in the module's source."""
    module = spec.strip().rsplit(".", 1)[0].replace(".", "/")
    for base in (checkout, checkout / "src"):
        for candidate in (base / module / "__init__.py", base / f"{module}.py"):
            if candidate.is_file():
                match = _VERSION_ASSIGN.search(candidate.read_text(encoding="utf-8"))
                if match:
                    return match.group(1)
    return None


def _version(
    checkout: Path, name: str, project: dict[str, Any], cfg: Any, setup_py: dict[str, Any]
) -> str:
    version = project.get("version") if isinstance(project.get("version"), str) else None
    raw = cfg.get("metadata", "version", fallback=None) if cfg is not None else None
    if version is None and raw:
        if raw.startswith("attr:"):
            version = _attr_version(checkout, raw[len("attr:") :])
        elif raw.startswith("file:"):
            path = checkout / raw[len("file:") :].strip()
            version = path.read_text(encoding="utf-8").strip() if path.is_file() else None
        else:
            version = raw.strip()
    if version is None and isinstance(setup_py.get("version"), str):
        version = setup_py["version"]
    if version is None:
        version = _attr_version(checkout, name.replace("-", "_").lower() + ".__version__")
    if version is None:
        _log.warn(
            f"editable package {name}: no static version in {checkout} (pyproject.toml, "
            "setup.cfg, setup.py, __version__); its metadata says 0"
        )
        return "0"
    return version


def read_metadata(checkout: Path, name: str, requires: tuple[str, ...]) -> EditableMeta:
    """The metadata of the editable checkout `name` (its requirements read by the caller)."""
    pyproject = checkout / "pyproject.toml"
    project = load_toml(pyproject).get("project", {}) if pyproject.is_file() else {}
    project = project if isinstance(project, dict) else {}
    cfg = setup_cfg(checkout)
    setup_py = setup_py_kwargs(checkout)
    declared = project.get("name") or (cfg.get("metadata", "name", fallback=None) if cfg else None)
    declared = declared or setup_py.get("name")
    dist = str(declared) if isinstance(declared, str) and declared.strip() else name
    summary = project.get("description") or setup_py.get("description") or ""
    return EditableMeta(
        dist,
        _version(checkout, name, project, cfg, setup_py),
        requires,
        _entry_points(checkout, cfg, setup_py),
        str(summary).splitlines()[0] if summary else "",
    )


# --- the site folder --------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteEntry:
    """One editable for `write_site`: its metadata, and its import root and checkout as
    the Python that reads the site folder sees them."""

    meta: EditableMeta
    import_root: str
    checkout: str
    top_level: tuple[str, ...] = ()


def _dist_stem(meta: EditableMeta) -> str:
    from packaging.version import InvalidVersion, Version

    name = normalize_name(meta.name, "_")
    try:
        version = str(Version(meta.version))
    except InvalidVersion:
        version = re.sub(r"[^A-Za-z0-9.+]", "_", meta.version)
    return f"{name}-{version}"


def _metadata_text(meta: EditableMeta) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {meta.name}", f"Version: {meta.version}"]
    if meta.summary:
        lines.append(f"Summary: {meta.summary}")
    lines += [f"Requires-Dist: {r}" for r in meta.requires]
    return "\n".join(lines) + "\n"


def _entry_points_text(meta: EditableMeta) -> str:
    blocks = []
    for group, entries in meta.entry_points.items():
        blocks.append(f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()))
    return "\n".join(blocks)


def _record_hash(data: bytes) -> str:
    import base64

    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest},{len(data)}"


def _site_files(entry: SiteEntry) -> dict[str, str]:
    """Path in the site folder → text, for one editable (RECORD last)."""
    stem = _dist_stem(entry.meta)
    info = f"{stem}.dist-info"
    url = "file://" + entry.checkout
    files = {
        f"__editable__.{stem}.pth": entry.import_root + "\n",
        f"{info}/METADATA": _metadata_text(entry.meta),
        f"{info}/INSTALLER": "anysnake2\n",
        f"{info}/direct_url.json": json.dumps(
            {"dir_info": {"editable": True}, "url": url}, sort_keys=True
        )
        + "\n",
        f"{info}/top_level.txt": "".join(f"{m}\n" for m in entry.top_level),
    }
    if entry.meta.entry_points:
        files[f"{info}/entry_points.txt"] = _entry_points_text(entry.meta)
    record = [f"{path},{_record_hash(text.encode())}" for path, text in sorted(files.items())]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    return files


def write_site(folder: Path, entries: list[SiteEntry]) -> None:
    """Make `folder` hold exactly the dist-info folders and `.pth` files of `entries`
    (files rewritten only when their bytes change; anything else in it removed)."""
    wanted: dict[str, str] = {}
    for entry in entries:
        wanted.update(_site_files(entry))
    folder.mkdir(parents=True, exist_ok=True)
    tops = {path.split("/", 1)[0] for path in wanted}
    for old in sorted(folder.iterdir()):
        if old.name not in tops:
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old)
            else:
                old.unlink()
    for relative, text in wanted.items():
        path = folder / relative
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        # atomically: a container started meanwhile reads the old file or the new one
        write_atomic(path, text)
    for info in folder.glob("*.dist-info"):
        for old in sorted(info.iterdir()):
            if f"{info.name}/{old.name}" not in wanted:
                old.unlink()


def top_level_modules(import_root: Path) -> tuple[str, ...]:
    """Packages and modules directly in `import_root` (sorted), for top_level.txt."""
    found = set()
    for entry in import_root.iterdir() if import_root.is_dir() else ():
        if entry.is_dir() and (entry / "__init__.py").is_file():
            found.add(entry.name)
        elif entry.suffix == ".py" and entry.name not in ("setup.py", "conftest.py"):
            found.add(entry.stem)
    return tuple(sorted(found))


# --- console scripts ------------------------------------------------------------------------


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
