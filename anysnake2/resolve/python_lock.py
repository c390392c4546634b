"""The Python lock: `[python.packages]` resolved by uv as of the ecosystem date.

The rendered pyproject and everything else that decides the lock are hashed; the hash
(with the Python version and date) is the first line of `anysnake2.uv.lock` beside the
config, so a warm run (and a colleague with the committed lock) reads one line and calls
no uv. A changed date or Python version re-resolves from scratch (uv would otherwise keep
the old pins); any other change keeps the pins of the packages that stayed.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import _log, credentials
from .._util.atomic import write_atomic
from .._util.names import normalize_name
from ..errors import ConfigError
from . import local_sources as _local
from ._uv_errors import uv_error
from .local_sources import LocalSource

if TYPE_CHECKING:
    from ..model import Project, Python, PythonPackage

__all__ = [
    "LOCK_NAME",
    "UV_VERSION",
    "WORKSPACE",
    "LockInput",
    "ensure_local_sources",
    "ensure_python_lock",
    "lock_input",
    "python_lock_is_current",
    "read_header",
    "uv_binary",
]

LOCK_NAME = "anysnake2.uv.lock"
WORKSPACE = Path(".anysnake2_flake") / "uv_workspace"
# The pinned uv (pyproject.toml); a different uv may write a different lock format.
UV_VERSION = "0.13.9"
_FORMAT = "1"
_HEADER_PREFIX = "# anysnake2 python lock:"
_MIN_REQUIRES = (3, 8)


@dataclass(frozen=True)
class LockInput:
    """Everything that decides the lock, rendered; `digest` identifies it."""

    pyproject: str
    exclude_newer_packages: tuple[str, ...]
    date: str | None
    python_version: str
    env: tuple[tuple[str, str], ...]
    local_sources: tuple[LocalSource, ...]
    digest: str


def _requires_python(version: str) -> str:
    major, minor = (int(p) for p in version.split("."))
    low = min((major, minor), _MIN_REQUIRES)
    return f">={low[0]}.{low[1]}"


def _uv_source(package: PythonPackage, folder: str | None) -> dict[str, str] | None:
    """The inline table for `[tool.uv.sources]`, or None for an index package."""
    source = package.source
    if source is None:
        return None
    if folder is not None:
        return {"path": folder}
    if source.kind in ("git", "github"):
        table = {"git": credentials.public(source.fetch_url)}
        if source.rev:
            table["rev"] = source.rev
        elif source.ref:
            table["branch"] = source.ref
        return table
    credentials.refuse(source.location, f"python.packages.{package.name}")
    return {"url": source.location}


def _source_item(name: str, source: dict[str, str]) -> tuple[Any, Any]:
    """`"name" = { git = "...", rev = "..." }` as tomlkit items, spaced as the workspaces
    written before tomlkit were (the same bytes keep existing locks' digests valid)."""
    import tomlkit
    from tomlkit.items import KeyType, SingleKey, Whitespace

    inline = tomlkit.inline_table()
    for key, value in source.items():
        inline.append(key, value)
    inline.value.body[0][1].trivia.indent = " "
    inline.value.body.append((None, Whitespace(" ")))
    return SingleKey(name, t=KeyType.Basic), inline


def _pyproject(python: Python, deps: list[str], sources: list[tuple[str, dict[str, str]]]) -> str:
    """The workspace's pyproject.toml, written by tomlkit (no value can add a key)."""
    import tomlkit

    doc = tomlkit.document()
    project = tomlkit.table()
    project.add("name", "anysnake2-env")
    project.add("version", "0")
    project.add("requires-python", _requires_python(python.version))
    dependencies = tomlkit.array()
    dependencies.extend(deps)
    project.add("dependencies", dependencies.multiline(True))
    doc.add("project", project)
    doc.add(tomlkit.nl())
    uv = tomlkit.table()
    marker = f"python_version == '{python.version}' and sys_platform == 'linux'"
    uv.add("environments", [marker])
    if sources:
        uv.add(tomlkit.nl())
        table = tomlkit.table()
        for name, source in sources:
            table.add(*_source_item(name, source))
        uv.add("sources", table)
    tool = tomlkit.table(True)
    tool.add("uv", uv)
    doc.add("tool", tool)
    return tomlkit.dumps(doc)


def _packages(python: Python, with_r: bool) -> list[PythonPackage]:
    packages = list(python.packages.values())
    if with_r and "rpy2" not in {normalize_name(p.name) for p in packages}:
        from ..model import PythonPackage

        packages.append(PythonPackage("rpy2"))
    return sorted(packages, key=lambda p: normalize_name(p.name))


def _editable_requirements(project: Project, root: Path | None) -> list[str]:
    """The dependencies of the editable checkouts (not the checkouts themselves)."""
    if root is None:
        return []
    from .editable_deps import editable_requirements

    return editable_requirements(project, root)


def lock_input(project: Project, root: Path | None = None) -> LockInput | None:
    """Render what decides the lock; None without `[python]`.

    Editable packages are not locked (their checkouts are bound into the container); their
    dependencies (read from the checkouts below `root`) are. Without `root` no file is read
    and editables add nothing. FailureError (70) when an editable checkout is missing.
    """
    python = project.python
    if python is None:
        return None
    deps: list[str] = []
    sources: list[tuple[str, dict[str, str]]] = []
    exclude: list[str] = []
    local: list[LocalSource] = []
    for package in _packages(python, project.r is not None):
        if package.editable is not None:
            continue
        folder = _local.local_folder(package)
        deps.append(package.name if package.source is not None else package.requirement)
        table = _uv_source(package, folder)
        if table is not None:
            sources.append((package.name, table))
        if package.pypi:
            exclude.append(f"{package.name}=false")
        if folder is not None and package.source is not None:
            local.append(
                LocalSource(package.name, package.source, folder, package.patch_before_lock)
            )
    deps += _editable_requirements(project, root)
    pyproject = _pyproject(python, deps, sources)
    env = tuple(sorted(python.uv_lock_env.items()))
    digest = hashlib.sha256()
    for part in (
        _FORMAT,
        UV_VERSION,
        pyproject,
        python.ecosystem_date or "none",
        *exclude,
        *(f"{k}={v}" for k, v in env),
        *(f"{s.name}\0{s.source.to_url()}\0{s.patch or ''}" for s in local),
    ):
        digest.update(part.encode() + b"\0")
    return LockInput(
        pyproject,
        tuple(exclude),
        python.ecosystem_date,
        python.version,
        env,
        tuple(local),
        digest.hexdigest(),
    )


def _header(spec: LockInput) -> str:
    return (
        f"{_HEADER_PREFIX} input={spec.digest} python={spec.python_version} "
        f"date={spec.date or 'none'}\n"
    )


def read_header(lock_path: Path) -> dict[str, str] | None:
    """The key=value pairs of the lock's first line, or None (missing or not ours)."""
    try:
        with open(lock_path, encoding="utf-8") as handle:
            first = handle.readline()
    except FileNotFoundError:
        return None
    if not first.startswith(_HEADER_PREFIX):
        return None
    pairs = (item.partition("=") for item in first[len(_HEADER_PREFIX) :].split())
    return {key: value for key, _, value in pairs}


def python_lock_is_current(project: Project, root: Path) -> bool:
    """True when `anysnake2.uv.lock` was made from exactly this input (no uv, no network)."""
    spec = lock_input(project, root)
    if spec is None:
        return True
    header = read_header(root / LOCK_NAME)
    return header is not None and header.get("input") == spec.digest


def _lock_body(lock_path: Path) -> str:
    text = lock_path.read_text(encoding="utf-8")
    return text.split("\n", 1)[1] if text.startswith(_HEADER_PREFIX) else text


def ensure_python_lock(
    project: Project, root: Path, *, offline: bool, locked: bool = False
) -> Path | None:
    """The lock workspace (`pyproject.toml` + `uv.lock`), locking with uv only when needed.

    Returns `<root>/.anysnake2_flake/uv_workspace/`, or None when there is no `[python]`.
    `anysnake2.uv.lock` beside the config is the recorded lock (commit it). With `offline`,
    a needed re-lock runs uv from its cache only; with `locked`, a needed re-lock is a
    ConfigError (65) instead.
    """
    spec = lock_input(project, root)
    if spec is None:
        return None
    lock_path = root / LOCK_NAME
    workspace = root / WORKSPACE
    header = read_header(lock_path)
    if header is not None and header.get("input") == spec.digest:
        workspace.mkdir(parents=True, exist_ok=True)
        write_atomic(workspace / "pyproject.toml", spec.pyproject, if_changed=True)
        write_atomic(workspace / "uv.lock", _lock_body(lock_path), if_changed=True)
        return workspace
    if locked:
        state = "missing" if not lock_path.exists() else "out of date with the config"
        raise ConfigError(
            f"{lock_path} is {state} and --locked forbids making it",
            hint="run 'anysnake2 lock' and commit anysnake2.uv.lock",
        )
    _relock(spec, root, header, offline=offline)
    return workspace


def ensure_local_sources(project: Project, root: Path, *, offline: bool) -> list[Path]:
    """Make the local sources the lock refers to (resolve.local_sources), where missing.

    A reused lock (a colleague's checkout) names `sources/hg/<name>-<rev>` and
    `sources/patched/<name>-<rev>` below the workspace without them existing; building
    needs them. `file://` folders are copied again. Returns the folders.
    """
    spec = lock_input(project, root)
    if spec is None:
        return []
    return _local.refresh_local_sources(
        spec.local_sources, root / WORKSPACE, root=root, offline=offline
    )


def _relock(spec: LockInput, root: Path, header: dict[str, str] | None, *, offline: bool) -> None:
    lock_path = root / LOCK_NAME
    workspace = root / WORKSPACE
    workspace.mkdir(parents=True, exist_ok=True)
    write_atomic(workspace / "pyproject.toml", spec.pyproject, if_changed=True)
    ws_lock = workspace / "uv.lock"
    same_base = (
        header is not None
        and header.get("python") == spec.python_version
        and header.get("date") == (spec.date or "none")
    )
    if same_base:
        # Keep the pins of packages that stayed: uv starts from the old lock.
        write_atomic(ws_lock, _lock_body(lock_path), if_changed=True)
        _log.note(f"updating the Python lock {lock_path}")
    else:
        ws_lock.unlink(missing_ok=True)
        why = "new" if header is None else "the date or Python version changed"
        _log.note(f"making the Python lock {lock_path} ({why})")
    _local.prune_local_sources(spec.local_sources, workspace)
    for local in spec.local_sources:
        _local.prepare_local(local, workspace / local.folder, root=root)
    _run_uv_lock(spec, workspace, offline=offline)
    body = ws_lock.read_text(encoding="utf-8")
    write_atomic(lock_path, _header(spec) + body, if_changed=True)


def _cutoff(date: str | None) -> str:
    if date is None:
        now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        _log.warn(
            f"python.ecosystem_date is not set: locking against PyPI as of now ({now}); "
            "the date is not recorded in the config yet, so set ecosystem_date to make the "
            "lock reproducible"
        )
        return now
    day = _dt.date.fromisoformat(date) + _dt.timedelta(days=1)
    return f"{day.isoformat()}T00:00:00Z"


def uv_binary() -> str:
    """The pinned uv (the `uv` wheel's binary)."""
    from uv import find_uv_bin

    return find_uv_bin()


def _run_uv_lock(spec: LockInput, workspace: Path, *, offline: bool) -> None:
    from .. import _proc

    argv = [uv_binary(), "lock", "--exclude-newer", _cutoff(spec.date)]
    for item in spec.exclude_newer_packages:
        argv += ["--exclude-newer-package", item]
    if offline:
        argv.append("--offline")
    env = dict(os.environ)
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.pop("VIRTUAL_ENV", None)
    env.update(spec.env)
    env = credentials.git_env(env)  # uv fetches private git sources with this helper
    from .._progress import Step

    with Step("locking the Python packages with uv", done="locked the Python packages"):
        proc = _proc.run(argv, cwd=workspace, env=env, check=False, what="uv lock")
    if proc.returncode == 0:
        return
    raise uv_error(spec, proc.stderr or proc.stdout or "", offline=offline)
