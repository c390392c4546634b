"""How a DSL section method changes its section: the arguments given, by the model's fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace as _replace
from typing import Any

from .. import model as m
from .._schema import dsl_keyword, keys, kind
from ..errors import ConfigError

__all__ = ["add", "merge_map", "strings", "updated"]


def strings(value: Sequence[str] | None, what: str) -> tuple[str, ...] | None:
    """A list argument as a tuple (None stays None); a lone string is refused."""
    if value is None:
        return None
    if isinstance(value, str):
        raise ConfigError(f"{what} takes a list of strings, not the string {value!r}")
    return tuple(value)


def add(old: tuple[str, ...] | None, new: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """`old` plus the items of `new` not already in it (order kept)."""
    if new is None:
        return old
    base = tuple(old or ())
    return base + tuple(item for item in new if item not in base)


def merge_map(old: Mapping[str, Any], new: Mapping[str, Any] | None) -> m.FrozenMap:
    """`old` with the entries of `new` added (replacing those of the same name)."""
    if not new:
        return m.FrozenMap(old)
    data = dict(old)
    data.update(new)
    return m.FrozenMap(data)


def updated(base: Any, arguments: Mapping[str, Any]) -> Any:
    """`base` (a model section) with the method's `arguments` given (not None) applied:
    the section's keys by their DSL keyword (from the model's fields), lists added to and
    mappings merged into what is there, other values replaced. Keys that are not simple
    values (python's packages) are left to the method."""
    changes: dict[str, Any] = {}
    for f in keys(type(base)):
        value = arguments.get(dsl_keyword(f))
        if value is None or kind(f) == "other":
            continue
        if kind(f) == "strings":
            value = add(getattr(base, f.name), strings(value, f.name))
        elif kind(f) == "str_map":
            value = merge_map(getattr(base, f.name), value)
        changes[f.name] = value
    return _replace(base, **changes)
