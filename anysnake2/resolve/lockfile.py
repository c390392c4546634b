"""`anysnake2.lock.toml`: the recorded pins of an anysnake2.py project.

An anysnake2.py is the user's code, so resolved values (a tag's revision, today's ecosystem
date, the newest PyPI version, the anysnake2 version it was made with) are never written
into it; they live in this file beside it, which the user commits. The file is ours: it is
written whole, deterministically (sorted), and read with tomllib.

    [anysnake2]
    version = "0.1.0"

    [pins."flakes.hello"]
    kind = "revision"
    url = "github:owner/repo"
    ref = "main"
    ref_kind = "branch"
    value = "<40 hex>"

A pin applies only while the request it answered (kind, url, ref) is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .._util.atomic import write_atomic
from ..errors import ConfigError

__all__ = ["LOCKFILE_NAME", "lockfile_path", "read_lockfile", "write_lockfile"]

LOCKFILE_NAME = "anysnake2.lock.toml"
HEADER = (
    "# Written by anysnake2: what it resolved for anysnake2.py (tags and branches to\n"
    "# revisions, missing dates and versions). Commit it beside anysnake2.py; move a pin\n"
    "# on purpose with 'anysnake2 lock --upgrade NAME'. Do not edit by hand.\n"
)
PIN_FIELDS = ("kind", "url", "ref", "ref_kind", "value", "fetch_url")


def lockfile_path(config_path: Path) -> Path:
    """The lock file beside `config_path`."""
    return config_path.parent / LOCKFILE_NAME


def read_lockfile(path: Path) -> dict[str, Any]:
    """The file's tables (`anysnake2`, `pins`); `{}` when the file does not exist."""
    from .. import _toml as toml

    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: not a valid lock file (not UTF-8: {error.reason})",
            hint="restore it from version control, or delete it and run 'anysnake2 lock'",
        ) from None
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as error:
        raise ConfigError(
            f"{path}: not a valid lock file ({error})",
            hint="restore it from version control, or delete it and run 'anysnake2 lock'",
        ) from None
    pins = data.get("pins", {})
    if not isinstance(pins, dict) or not all(isinstance(v, dict) for v in pins.values()):
        raise ConfigError(f"{path}: [pins] must hold one table per pin")
    return data


def render_lockfile(version: str | None, pins: Mapping[str, Mapping[str, str | None]]) -> str:
    """The file's text (written by tomlkit): same content, same bytes."""
    import tomlkit  # only when writing

    doc = tomlkit.document()
    for line in HEADER.splitlines():
        doc.add(tomlkit.comment(line.removeprefix("# ")))
    if version is not None:
        doc.add(tomlkit.nl())
        doc.add("anysnake2", tomlkit.table().add("version", version))
    if pins:
        tables = tomlkit.table(is_super_table=True)
        for target in sorted(pins):
            pin = pins[target]
            table = tomlkit.table()
            for key in PIN_FIELDS:
                if pin.get(key) is not None:
                    table.add(key, str(pin[key]))
            tables.add(target, table)
        if version is None:
            doc.add(tomlkit.nl())
        doc.add("pins", tables)
    return tomlkit.dumps(doc)


def write_lockfile(
    path: Path,
    *,
    version: str | None = None,
    pins: Mapping[str, Mapping[str, str | None]] | None = None,
    drop: Iterable[str] = (),
) -> bool:
    """Update the file: set `version` and `pins` (by target), remove `drop` targets.

    What is not given is kept. Written only when the text changes (atomically); True then.
    """
    data = read_lockfile(path)
    old_version = data.get("anysnake2", {}).get("version")
    merged: dict[str, dict[str, Any]] = {k: dict(v) for k, v in data.get("pins", {}).items()}
    for target in drop:
        merged.pop(target, None)
    for target, pin in (pins or {}).items():
        merged[target] = dict(pin)
    text = render_lockfile(version if version is not None else old_version, merged)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except FileNotFoundError:
        if not merged and version is None:
            return False
    write_atomic(path, text, fsync=True)
    return True
