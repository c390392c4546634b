"""The copy of `uv.lock` in the flake folder, in the form every uv2nix revision reads.

uv2nix parses `uv.lock` with Nix functions that destructure each table without `...`, so a
key it does not know is a hard evaluation error (`lock1.nix: called with unexpected
argument 'revision'`). uv 0.13.9 writes keys that only later uv2nix revisions accept, and
one that no revision accepts. Read in the real history of github:pyproject-nix/uv2nix
(`lib/lock1.nix`):

- top-level `revision`: accepted from cba83df449af34c8bd08c7693f349b81af6e7eb7
  (2025-02-17, "lock1: Add support for revision field"), then only `inherit`ed;
- `required-markers` (top level): from e06c09a (2025-02-22); uv writes it only for
  `tool.uv.required-environments`, which our lock workspace never sets;
- `[package.metadata] provides-extras`: from 7ea5e7c (2025-03-05), only `inherit`ed;
- wheel `upload-time`: from bcadc56 (2025-04-22), then ignored (`...` since 1134842);
- `[options] exclude-newer-package` (written for a `pypi:` pin): rejected by every
  revision up to the newest in the snapshot (49dac8d2, 2026-07-20: `parseOptions`).

None of them changes what uv2nix builds (packages, sources, hashes, dependencies, markers
are unchanged), so the copy drops them for every revision: the configs of the original
pin uv2nix revisions from 2025-01-30 to 2025-03-05, and this keeps the user's pin instead
of moving it. The project's own lock (`anysnake2.uv.lock`) is left as uv wrote it.
"""

from __future__ import annotations

import math
from typing import Any

from .. import _toml
from ..toml_compat.strings import basic_string, toml_key

__all__ = ["DROPPED_KEYS", "lock_for_uv2nix"]

# table path ("" = top level, "package.metadata", "package.wheels", ...) → keys dropped
DROPPED_KEYS: dict[str, tuple[str, ...]] = {
    "": ("revision", "required-markers"),
    "options": ("exclude-newer-package",),
    "package.metadata": ("provides-extras",),
    "package.wheels": ("upload-time",),
    "package.sdist": ("upload-time",),
}


def _strip(value: Any, path: str) -> Any:
    if isinstance(value, list):
        return [_strip(item, path) for item in value]
    if not isinstance(value, dict):
        return value
    dropped = DROPPED_KEYS.get(path, ())
    return {
        key: _strip(item, f"{path}.{key}" if path else key)
        for key, item in value.items()
        if key not in dropped
    }


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"uv.lock holds a float TOML cannot spell: {value!r}")
        return repr(value)
    if isinstance(value, str):
        return basic_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    if isinstance(value, dict):
        body = ", ".join(f"{toml_key(k)} = {_scalar(v)}" for k, v in value.items())
        return "{ " + body + " }" if body else "{}"
    raise ValueError(f"uv.lock holds a value TOML cannot spell: {value!r}")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(out: list[str], header: str, table: dict[str, Any], array: bool = False) -> None:
    """Plain keys first, then sub-tables, then arrays of tables (as uv writes them)."""
    if header:
        out.append("")
        out.append(f"[[{header}]]" if array else f"[{header}]")
    nested = []
    for key, value in table.items():
        if isinstance(value, dict) or (not header and _is_table_array(value)):
            nested.append((key, value))
        else:
            out.append(f"{toml_key(key)} = {_scalar(value)}")
    for key, value in nested:
        name = f"{header}.{toml_key(key)}" if header else toml_key(key)
        if isinstance(value, dict):
            _table(out, name, value)
        else:
            for item in value:
                _table(out, name, item, array=True)


def lock_for_uv2nix(text: str) -> str:
    """`uv.lock` text without the keys in `DROPPED_KEYS`; `text` itself when none occurs.

    Inside `[[package]]` only plain tables are written as sub-tables; lists of tables
    (wheels, dependencies) stay inline arrays, which every TOML reader accepts.
    """
    data = _toml.loads(text)
    stripped = _strip(data, "")
    if stripped == data:
        return text
    out: list[str] = []
    _table(out, "", stripped)
    return "\n".join(out).lstrip("\n") + "\n"
