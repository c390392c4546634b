"""Model -> canonical TOML in our format: stable bytes, sorted where order has no meaning.

Sections and their keys come from the model's fields (`_schema`): the sections in the
model's order (anysnake2, nixpkgs, python, python.packages, R, rust, flakes, clones,
clone_options, container, env, cmd (each followed by its cmd.X.slurm), dev_shell, slurm),
then outside_nixpkgs and the helper inputs; keys are sorted inside each table, values
equal to their field's default left out. Multi-line strings are written as TOML
multi-line strings so scripts and Nix code stay readable.
`read_project_text(write_project(p), ...) == p` for every project.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._frozen import FrozenMap
from .._schema import is_set, keys, kind, toml_name
from ..model import Project, PythonPackage
from .strings import basic_string, toml_key

__all__ = ["toml_key", "toml_string", "write_project"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_ESCAPES["\r"] = "\\r"


def _escape(text: str, *, keep_newlines: bool = False) -> str:
    out = []
    for index, char in enumerate(text):
        quote_ok = char == '"' and text[index + 1 : index + 2] not in ('"', "")
        if keep_newlines and (char in "\n\t" or quote_ok):
            out.append(char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _CONTROL.match(char):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def toml_string(text: str) -> str:
    """The most readable TOML string literal for `text`."""
    if "\n" in text:
        # up to two quotes may touch the closing delimiter (TOML 1.0)
        if "'''" not in text and not _CONTROL.search(text):
            return "'''\n" + text + "'''"
        return '"""\n' + _escape(text, keep_newlines=True) + '"""'
    if ("\\" in text or '"' in text) and "'" not in text and not _CONTROL.search(text):
        return f"'{text}'"
    return basic_string(text)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        items = [_value(v) for v in value]
        one_line = "[" + ", ".join(items) + "]"
        if len(one_line) <= 80 and "\n" not in one_line:
            return one_line
        return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


class _Doc:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def table(
        self, header: tuple[str, ...], values: Mapping[str, Any], *, always: bool = True
    ) -> None:
        items = [(k, v) for k, v in sorted(values.items()) if v is not None]
        if not items and not always:
            return
        lines = ["[" + ".".join(toml_key(h) for h in header) + "]"]
        lines += [f"{toml_key(k)} = {_value(v)}" for k, v in items]
        self.parts.append("\n".join(lines) + "\n")

    def text(self) -> str:
        return "\n".join(self.parts)


def _simple_package(package: PythonPackage) -> str | None:
    """The one-string form of a package, or None when it needs a table."""
    if package.override_attrs or package.build_systems or package.patch_before_lock:
        return None
    if package.editable is not None:
        return None
    if package.source is not None:
        return package.source.to_url()
    if package.pypi:
        if not package.version:
            return "pypi"
        if package.version.startswith("==") and "," not in package.version:
            return "pypi:" + package.version[2:]
        return "pypi:" + package.version
    return package.version


def _package_table(package: PythonPackage) -> dict[str, Any]:
    values: dict[str, Any] = {
        "editable": package.editable,
        "build_systems": package.build_systems or None,
        "patch_before_lock": package.patch_before_lock,
    }
    if package.source is not None:
        values["url"] = package.source.to_url()
    elif package.pypi:
        values["version"] = _simple_package(
            PythonPackage(package.name, version=package.version, pypi=True)
        )
    elif package.version:
        values["version"] = package.version
    return values


def _write_packages(doc: _Doc, packages: Mapping[str, PythonPackage]) -> None:
    simple = {}
    complex_ = []
    for name, package in sorted(packages.items()):
        text = _simple_package(package)
        if text is None:
            complex_.append(package)
        else:
            simple[name] = text
    if simple or not complex_:
        doc.table(("python", "packages"), simple)
    for package in complex_:
        values = _package_table(package)
        lines = ["[python.packages." + toml_key(package.name) + "]"]
        entries = [(toml_key(k), v) for k, v in values.items() if v is not None]
        entries += [("override_attrs." + toml_key(k), v) for k, v in package.override_attrs.items()]
        lines += [f"{k} = {_value(v)}" for k, v in sorted(entries)]
        doc.parts.append("\n".join(lines) + "\n")


def _section(doc: _Doc, header: tuple[str, ...], obj: Any, *, always: bool = True) -> None:
    """`obj`'s table: its set keys, then its string tables, then its nested sections."""
    values: dict[str, Any] = {}
    tables: dict[str, Any] = {}
    nested = []
    for f in keys(type(obj)):
        value = getattr(obj, f.name)
        name = toml_name(f)
        if kind(f) == "other":
            if isinstance(value, FrozenMap) or is_set(f, value):  # packages: even when empty
                nested.append((name, value))
        elif name and is_set(f, value):
            (tables if kind(f) == "str_map" else values)[name] = value
    doc.table(header, values, always=always)
    for name, mapping in sorted(tables.items()):
        doc.table(header + (name,), dict(mapping))
    for name, value in nested:
        if isinstance(value, FrozenMap):
            _write_packages(doc, value)  # [python.packages]: the one nested map of sections
        else:
            _section(doc, header + (name,), value)


def _field_order() -> list[Any]:
    """The project's sections in file order: the model's, the host's nixpkgs and the
    helper inputs last (where the original's files have them)."""
    fields = keys(Project)
    return [f for f in fields if f.name not in _LAST] + [f for f in fields if f.name in _LAST]


_LAST = ("outside_nixpkgs", "inputs")


def write_project(project: Project) -> str:
    """Canonical TOML text of `project` (our format)."""
    doc = _Doc()
    for f in _field_order():
        value = getattr(project, f.name)
        name = toml_name(f)
        if not is_set(f, value):
            continue
        if not name:  # the helper inputs: each one a table of its own
            for helper, item in sorted(value.items()):
                _section(doc, (helper,), item)
        elif kind(f) == "str_map":
            doc.table((name,), dict(value))
        elif isinstance(value, FrozenMap):
            for key, item in sorted(value.items()):
                if isinstance(item, FrozenMap):
                    doc.table((name, key), dict(item))
                else:
                    _section(doc, (name, key), item)
        else:
            # a section that is None when absent is written even when empty ([nixpkgs])
            _section(doc, (name,), value, always=f.default is None)
    return doc.text()
