"""Clones: `[clones.<dir>] name = url` (and editable packages with a source) checked out once.

A clone goes into a temporary sibling folder (`<dir>/.<name>.anysnake2-clone-tmp-<pid>`)
and is renamed into place only when it is complete, so a failed or interrupted clone
leaves nothing half-made. Only a missing or empty target is cloned into; existing
checkouts are never pulled, reset or deleted. `<dir>/.clone_info.json` records
name -> source URL (without credentials); a configured URL that differs from the recorded
one for a non-empty checkout stops everything before anything is touched.

Credentials in a URL reach git only through the environment (`credentials.clone`,
the one clone of anysnake2), so they appear neither in argv, logs nor messages.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .. import _log, credentials
from .._util.atomic import write_atomic
from ..errors import ConfigError, FailureError, NetworkError
from ..model import Project
from ..sources import Source, parse_source

__all__ = ["CLONE_INFO", "CloneEntry", "CloneResult", "clone_entries", "perform_clones"]

CLONE_INFO = ".clone_info.json"
_TMP_MARK = ".anysnake2-clone-tmp-"


@dataclass(frozen=True)
class CloneEntry:
    """One wanted checkout: `<directory>/<name>` from `url` (as configured, maybe with
    credentials)."""

    directory: str
    name: str
    url: str

    @property
    def public_url(self) -> str:
        """The URL without credentials (what `.clone_info.json` and messages show)."""
        return _redact(self.url, self.url)


@dataclass(frozen=True)
class CloneResult:
    """What happened to one entry: `cloned` is False for a checkout that was already there."""

    directory: str
    name: str
    target: Path
    url: str
    cloned: bool


def clone_entries(project: Project) -> list[CloneEntry]:
    """Every wanted checkout, sorted by (directory, name): the `[clones]` entries plus every
    editable Python package with a source (target `<editable dir>/<name>`)."""
    wanted: dict[tuple[str, str], str] = {}
    for directory, entries in project.clones.items():
        for name, url in entries.items():
            wanted[(directory, name)] = url
    if project.python is not None:
        for name, package in project.python.packages.items():
            if package.editable is None or package.source is None:
                continue
            url = package.source.to_url()
            key = (package.editable, name)
            if key in wanted and _same(wanted[key], url) is False:
                raise ConfigError(
                    f"{package.editable}/{name} is wanted from two sources: "
                    f"'{_redact(wanted[key], wanted[key])}' in [clones.{package.editable}] and "
                    f"'{_redact(url, url)}' for the editable python package {name}",
                    hint="give the URL in one place only",
                )
            wanted.setdefault(key, url)
    return [CloneEntry(d, n, u) for (d, n), u in sorted(wanted.items())]


def perform_clones(
    project: Project, root: Path, *, offline: bool | None = None
) -> list[CloneResult]:
    """Clone every missing or empty checkout of `project` below `root` (the project root).

    Raises FailureError (70) when a recorded URL changed for a non-empty checkout (checked
    for all entries before anything is cloned) or when a clone fails (the target is left
    as it was, and a clone folder made for it is removed again). `offline` (default:
    `--offline` / ANYSNAKE2_OFFLINE=1): a missing checkout from the network stops
    everything with NetworkError (75) before anything is touched; local sources still copy.
    """
    entries = clone_entries(project)
    if not entries:
        return []
    by_dir: dict[str, list[CloneEntry]] = {}
    for entry in entries:
        by_dir.setdefault(entry.directory, []).append(entry)
    infos = {d: _read_info(root / d) for d in by_dir}
    for entry in entries:
        _check_unchanged(entry, root, infos[entry.directory])
    if offline is None:
        offline = os.environ.get("ANYSNAKE2_OFFLINE") == "1"
    if offline:
        _refuse_network_clones(entries, root)
    if project.clone_options.jujutsu and any(
        parse_source(e.url).kind in ("git", "github")
        and _is_missing_or_empty(root / e.directory / e.name)
        for e in entries
    ):
        _log.warn(
            "clone_options.jujutsu = true: jj is not available here, "
            "cloning with git instead (run 'jj git init --colocate' yourself)"
        )
    _inside_project(entries, root)
    results = []
    for directory, dir_entries in sorted(by_dir.items()):
        dir_path = root / directory
        with _folder_kept_only_if_used(dir_path):
            results += _clone_folder(root, dir_path, dir_entries, infos[directory])
    return results


def _inside_project(entries: list[CloneEntry], root: Path) -> None:
    """ConfigError (65) when a clone folder or checkout resolves outside the project."""
    from .._values import resolve_inside

    for entry in entries:
        resolve_inside(root, entry.directory, f"clones.{entry.directory}")
        resolve_inside(root, f"{entry.directory}/{entry.name}", f"clones.{entry.directory}")


def _refuse_network_clones(entries: list[CloneEntry], root: Path) -> None:
    """NetworkError naming every missing checkout that would come from the network."""
    wanted = [
        f"{e.directory}/{e.name} from {e.public_url}"
        for e in entries
        if _is_missing_or_empty(root / e.directory / e.name) and not _is_local(e.url)
    ]
    if wanted:
        raise NetworkError(
            "--offline: not cloning " + "; ".join(wanted) + " (that needs the network)",
            hint="run once without --offline to clone; nothing was changed",
        )


def _is_local(url: str) -> bool:
    """True for a source on this machine (a folder, or git/hg over file://)."""
    source = parse_source(url)
    return source.kind == "file" or source.fetch_url.startswith(("file://", "/"))


@contextmanager
def _folder_kept_only_if_used(dir_path: Path) -> Iterator[None]:
    """Make `dir_path` (and parents); remove what was made when the block fails empty."""
    missing = []
    path = dir_path
    while not path.exists():
        missing.append(path)
        path = path.parent
    dir_path.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        for made in missing:  # innermost first
            try:
                made.rmdir()
            except OSError:
                break
        raise


def _clone_folder(
    root: Path, dir_path: Path, dir_entries: list[CloneEntry], info: dict[str, str]
) -> list[CloneResult]:
    """Clone the missing entries of one clone folder; `.clone_info.json` after each."""
    results = []
    for entry in dir_entries:
        target = dir_path / entry.name
        _remove_stale_tmps(dir_path, entry.name)
        cloned = _is_missing_or_empty(target)
        if cloned:
            _clone_into_place(entry, parse_source(entry.url), target, root)
        info[entry.name] = entry.public_url
        _write_info(dir_path, info)
        results.append(CloneResult(entry.directory, entry.name, target, entry.public_url, cloned))
    return results


# --- checks and bookkeeping ----------------------------------------------------------------


def _same(a: str, b: str) -> bool:
    return _redact(a, a) == _redact(b, b)


def _redact(text: str, url: str) -> str:
    """`text` with the credentials of `url` (and any `scheme://user:pw@`) removed."""
    credentials.remember(url)
    return credentials.redact(text)


def _is_missing_or_empty(target: Path) -> bool:
    if not target.exists() and not target.is_symlink():
        return True
    if not target.is_dir():
        raise FailureError(
            f"clone target {target} exists and is not a folder",
            hint="move it away; anysnake2 clones only into a missing or empty folder",
        )
    return not any(target.iterdir())


def _read_info(dir_path: Path) -> dict[str, str]:
    path = dir_path / CLONE_INFO
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FailureError(
            f"{path} is not readable JSON ({error})",
            hint="fix or delete it (it only records where each checkout came from)",
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise FailureError(
            f"{path} should map clone names to URLs",
            hint="fix or delete it (it only records where each checkout came from)",
        )
    # Files of the original may hold credentials: never carry them forward.
    return {str(k): _redact(v, v) for k, v in data.items()}


def _write_info(dir_path: Path, info: Mapping[str, str]) -> None:
    path = dir_path / CLONE_INFO
    text = json.dumps(dict(sorted(info.items())), indent=2, sort_keys=True) + "\n"
    write_atomic(path, text, if_changed=True)


def _check_unchanged(entry: CloneEntry, root: Path, info: Mapping[str, str]) -> None:
    old = info.get(entry.name)
    new = entry.public_url
    target = root / entry.directory / entry.name
    if old is None or old == new or _is_missing_or_empty(target):
        return
    raise FailureError(
        f"Url changed for clone target: {entry.directory}/{entry.name}. "
        f"Was '{old}' is now '{new}'.\n"
        f"Cowardly refusing to throw away the old checkout in {target}: nothing was touched.",
        hint=f"move {target} away (or restore the old URL) and run again",
    )


def _remove_stale_tmps(dir_path: Path, name: str) -> None:
    """Remove our temporary folders of runs that no longer exist (killed mid-clone)."""
    prefix = f".{name}{_TMP_MARK}"
    for path in dir_path.glob(f"{glob_escape(prefix)}*"):
        pid = path.name[len(prefix) :]
        if pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
            _log.note(f"removing the leftover of an interrupted clone: {path}")
            shutil.rmtree(path, ignore_errors=True)


def glob_escape(text: str) -> str:
    """`text` with glob metacharacters escaped."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- cloning -------------------------------------------------------------------------------


@contextmanager
def _temporary(target: Path) -> Iterator[Path]:
    tmp = target.parent / f".{target.name}{_TMP_MARK}{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _clone_into_place(entry: CloneEntry, source: Source, target: Path, root: Path) -> None:
    from .._progress import Step

    label = f"{entry.directory}/{entry.name}"
    step = Step(f"cloning {label} from {entry.public_url}", done=f"cloned {label}")
    with step, _temporary(target) as tmp:
        if source.kind == "file":
            _copy_folder(entry, source, tmp, root)
        elif source.kind in ("git", "github", "hg"):
            _vcs_clone(entry, source, tmp)
        else:
            raise ConfigError(
                f"clones: {label} = '{entry.public_url}' is not a URL that can be cloned",
                hint="use git+https://..., hg+https://..., github:owner/repo or file:///path",
            )
        # rename(2) replaces an empty directory atomically: no moment without a target.
        os.rename(tmp, target)


def _copy_folder(entry: CloneEntry, source: Source, tmp: Path, root: Path) -> None:
    folder = Path(source.fetch_url)
    if not folder.is_absolute():
        folder = root / folder
    if not folder.is_dir():
        raise FailureError(
            f"Failed to clone {entry.directory}/{entry.name} from {entry.public_url}: "
            f"{folder} is not a folder",
            hint="relative file:// paths are relative to the project root",
        )
    shutil.copytree(folder, tmp, symlinks=True)


def _vcs_clone(entry: CloneEntry, source: Source, tmp: Path) -> None:
    credentials.clone(
        "hg" if source.kind == "hg" else "git",
        source.fetch_url,
        tmp,
        ref=source.ref,
        rev=source.rev,
        what=f"Failed to clone {entry.directory}/{entry.name} from {entry.public_url}",
        hint="nothing was left behind; fix the URL or the network",
    )
