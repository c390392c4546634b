"""A section's keys read by their model fields: known keys, old spellings, typed values."""

from __future__ import annotations

from typing import Any

from .._schema import aliases, keys, kind, known_keys, toml_name
from ._base import ReadState, dotted

__all__ = ["read_fields", "section_table"]


def section_table(
    state: ReadState,
    cls: Any,
    raw: dict[str, Any],
    path: tuple[str, ...],
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    """`raw` checked against `cls`'s keys (plus `extra`), old spellings moved to their key.

    The same value given under two spellings is one value; different values are a 65.
    """
    state.check_keys(raw, path, known_keys(cls) + extra)
    moved = aliases(cls)
    merged = {k: v for k, v in raw.items() if k not in moved}
    for alias, key in moved.items():
        if alias not in raw:
            continue
        if key in merged and merged[key] != raw[alias]:
            raise state.error(
                f"{dotted(path)}: {alias} = {raw[alias]!r} and {key} = {merged[key]!r} "
                "say the same thing differently",
                path + (alias,),
                hint=f"keep one ({key})",
            )
        merged[key] = raw[alias]
    return merged


def read_fields(
    state: ReadState,
    cls: Any,
    table: dict[str, Any],
    path: tuple[str, ...],
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Field name → value for `cls`'s keys present in `table`, each of its field's type
    (a located 65 otherwise). Keys in `skip` and fields of no simple type are left out."""
    getters = {
        "bool": state.boolean,
        "str": state.string,
        "date": state.date,
        "strings": state.strings,
        "str_map": state.str_map,
    }
    values: dict[str, Any] = {}
    for f in keys(cls):
        name = toml_name(f)
        if not name or name not in table or name in skip:
            continue
        what = kind(f)
        if what == "int":
            values[f.name] = state.expect(table[name], int, path + (name,))
        elif what in getters:
            values[f.name] = getters[what](table, name, path)
    return values
