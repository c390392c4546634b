"""Each section's keys, read from the model's fields: the one list of them.

A section of the model is a frozen dataclass; each of its fields is one key of the TOML
table, one keyword of the DSL method and one argument the writers emit, in field order.
`key(...)` is `dataclasses.field` plus what differs from the plain field name:

- `toml`: the TOML key (default: the field name; `[R]` is the model's `r`; `""`: none of
  its own, e.g. a package's `pypi`, written inside its version as `"pypi:1.2"`);
- `aliases`: older spellings (the original's 1.x/2.x names) the reader also accepts for it;
- `kind`: what the reader takes (default: read from the annotation; `"date"`: a string or
  a TOML date);
- `dsl`: how the DSL writer passes it: `"keyword"` (default), `"positional"` (leading,
  when set) or `"call"` (written by calls of their own: `volume(...)`, `python_package(...)`);
- `method`: the DSL method that sets a section of the project, when it is not the field's
  name (`flake` for one of `flakes`);
- `role`: `"key"` (default), `"name"` (the table's name, e.g. `[flakes.<name>]`) or
  `"internal"` (not a key at all: warnings, origin, a message owner).

A value equal to its field's default is "not set": the writers omit it.

A new key of a section is its field in the model and its keyword in the section's DSL
method. A new section is its dataclass, its field of `model.Project` (the field order is
the order files and the DSL show sections in) and one DSL method; the TOML reader (a
section needing checks beyond its keys' types adds a reader in `toml_compat.reader`) and
both writers follow the fields. `tests/test_section_keys.py` holds a sample that sets
every key: it fails until the new key is there, then checks TOML and DSL round trips.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from typing import Any, Literal

__all__ = [
    "Kind",
    "aliases",
    "describe",
    "dsl_keyword",
    "dsl_method",
    "dsl_style",
    "is_set",
    "key",
    "keys",
    "kind",
    "known_keys",
    "section_class",
    "set_values",
    "toml_name",
    "toml_names",
]

Kind = Literal["bool", "int", "str", "date", "strings", "str_map", "other"]
_MISSING: Any = dataclasses.MISSING


def key(
    default: Any = _MISSING,
    *,
    factory: Any = _MISSING,
    toml: str | None = None,
    aliases: tuple[str, ...] = (),
    kind: Kind | None = None,
    dsl: Literal["keyword", "positional", "call"] = "keyword",
    method: str | None = None,
    role: Literal["key", "name", "internal"] = "key",
    compare: bool = True,
    repr: bool = True,
) -> Any:
    """A dataclass field carrying its TOML name, old spellings and DSL style."""
    metadata = {"toml": toml, "aliases": aliases, "kind": kind, "dsl": dsl, "role": role}
    if method is not None:
        metadata["method"] = method
    return dataclasses.field(
        default=default, default_factory=factory, compare=compare, repr=repr, metadata=metadata
    )


def _fields(cls: Any) -> Iterator[dataclasses.Field[Any]]:
    for f in dataclasses.fields(cls):
        if f.metadata.get("role", "key") == "key":
            yield f


def keys(cls: Any) -> tuple[dataclasses.Field[Any], ...]:
    """The fields of `cls` that are keys (not its name, not internal), in field order."""
    return tuple(_fields(cls))


def toml_name(f: dataclasses.Field[Any]) -> str:
    """The TOML key of field `f` ("" when it has none of its own)."""
    name = f.metadata.get("toml")
    return f.name if name is None else name


def dsl_keyword(f: dataclasses.Field[Any]) -> str:
    """The DSL's keyword for field `f`: its TOML key, or its name when it has none."""
    return toml_name(f) or f.name


def toml_names(cls: Any) -> tuple[str, ...]:
    """The TOML keys of `cls`, in field order."""
    return tuple(name for f in _fields(cls) if (name := toml_name(f)))


def aliases(cls: Any) -> dict[str, str]:
    """Old spelling → TOML key, for every alias of `cls`'s fields."""
    return {alias: toml_name(f) for f in _fields(cls) for alias in f.metadata.get("aliases", ())}


def known_keys(cls: Any) -> tuple[str, ...]:
    """Every key the reader accepts in `cls`'s table: the TOML keys, then the aliases."""
    return toml_names(cls) + tuple(aliases(cls))


def dsl_style(f: dataclasses.Field[Any]) -> str:
    """How the DSL writer passes `f`: keyword, positional or call."""
    return f.metadata.get("dsl", "keyword")


def dsl_method(f: dataclasses.Field[Any]) -> str:
    """The DSL method of a project's section `f`."""
    return f.metadata.get("method") or f.name


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return _MISSING


def is_set(f: dataclasses.Field[Any], value: Any) -> bool:
    """True when `value` differs from `f`'s default (a required field is always set)."""
    default = _default(f)
    return default is _MISSING or value != default


def set_values(obj: Any) -> dict[str, Any]:
    """Field name → value of `obj`'s keys that are set, in field order."""
    return {f.name: getattr(obj, f.name) for f in _fields(obj) if is_set(f, getattr(obj, f.name))}


def describe(obj: Any) -> str:
    """`key value, ...` of `obj`'s set keys (lists space-separated), for `check`."""
    parts = [
        f"{toml_name(f) or f.name} {' '.join(map(str, v)) if isinstance(v, tuple) else v}"
        for f in _fields(obj)
        if is_set(f, v := getattr(obj, f.name))
    ]
    return ", ".join(parts)


def section_class(owner: Any, f: dataclasses.Field[Any]) -> Any:
    """The dataclass a section field of `owner` holds (`Rust` for `rust: Rust | None`)."""
    hint = typing.get_type_hints(owner)[f.name]
    for candidate in (hint, *typing.get_args(hint)):
        if dataclasses.is_dataclass(candidate):
            return candidate
    raise TypeError(f"{owner.__name__}.{f.name} holds no section")


def kind(f: dataclasses.Field[Any]) -> Kind:
    """What a key holds, read from its annotation (for the TOML reader's typed getters)."""
    if f.metadata.get("kind"):
        return f.metadata["kind"]
    text = str(f.type).replace(" ", "")
    if text.startswith("tuple[str,...]"):
        return "strings"
    if text.startswith("FrozenMap[str,str]"):
        return "str_map"
    first = text.split("|")[0]
    if first in ("bool", "int"):
        return first  # type: ignore[return-value]
    if first == "str" or first.startswith(("Literal[", "Runtime")):
        return "str"
    return "other"
