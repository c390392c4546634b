"""Model -> canonical TOML in our format: stable bytes, sorted where order has no meaning.

Sections come in a fixed order (anysnake2, nixpkgs, python, python.packages, R, rust,
flakes, clones, clone_options, container, env, cmd (each followed by its cmd.X.slurm),
dev_shell, slurm, outside_nixpkgs, helper inputs); keys are sorted inside each table. Multi-line strings are written as TOML
multi-line strings so scripts and Nix code stay readable.
`read_project_text(write_project(p), ...) == p` for every project.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..model import Input, Nixpkgs, Project, PythonPackage
from ._slurm import slurm_values
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


def _input_values(item: Input | Nixpkgs) -> dict[str, Any]:
    return {"url": item.url, "rev": item.rev, "ref": item.ref}


def _nixpkgs(doc: _Doc, name: str, nixpkgs: Nixpkgs) -> None:
    values = _input_values(nixpkgs)
    values.update(
        packages=nixpkgs.packages,
        allow_unfree=nixpkgs.allow_unfree,
        permitted_insecure_packages=nixpkgs.permitted_insecure_packages or None,
        overlay=nixpkgs.overlay,
    )
    doc.table((name,), values)


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


def _maps(
    doc: _Doc, header: tuple[str, ...], maps: Iterable[tuple[str, Mapping[str, str]]]
) -> None:
    for name, mapping in maps:
        if mapping:
            doc.table(header + (name,), dict(mapping))


def write_project(project: Project) -> str:
    """Canonical TOML text of `project` (our format)."""
    doc = _Doc()
    settings = project.anysnake2
    doc.table(
        ("anysnake2",),
        {f: getattr(settings, f) for f in settings.__dataclass_fields__},
        always=False,
    )
    if project.nixpkgs is not None:
        _nixpkgs(doc, "nixpkgs", project.nixpkgs)
    python = project.python
    if python is not None:
        doc.table(
            ("python",),
            {
                "version": python.version,
                "ecosystem_date": python.ecosystem_date,
                "prefer_wheels": python.prefer_wheels,
            },
        )
        _maps(doc, ("python",), [("uv_lock_env", python.uv_lock_env)])
        _write_packages(doc, python.packages)
    r = project.r
    if r is not None:
        doc.table(
            ("R",),
            {
                "packages": r.packages or None,
                "date": r.date,
                "ecosystem_tag": r.ecosystem_tag,
                "url": r.url,
                "rev": r.rev,
                "ref": r.ref,
                "use_inside_nix_pkgs": r.use_inside_nix_pkgs,
            },
        )
        _maps(
            doc,
            ("R",),
            [
                ("additional_packages", r.additional_packages),
                ("dependency_overrides", r.dependency_overrides),
                ("override_attrs", r.override_attrs),
            ],
        )
    if project.rust is not None:
        rust = project.rust
        doc.table(
            ("rust",), {"version": rust.version, "url": rust.url, "rev": rust.rev, "ref": rust.ref}
        )
    for name, flake in sorted(project.flakes.items()):
        doc.table(
            ("flakes", name),
            {
                "url": flake.url,
                "rev": flake.rev,
                "ref": flake.ref,
                "dir": flake.dir,
                "follows": flake.follows or None,
                "packages": flake.packages,
            },
        )
    for directory, entries in sorted(project.clones.items()):
        doc.table(("clones", directory), dict(entries))
    doc.table(("clone_options",), {"jujutsu": project.clone_options.jujutsu}, always=False)
    container = project.container
    doc.table(
        ("container",),
        {
            "home": container.home,
            "runtime": container.runtime,
            "dtach": container.dtach,
            "gpu": container.gpu,
        },
        always=False,
    )
    _maps(
        doc,
        ("container",),
        [
            ("env", container.env),
            ("volumes_ro", container.volumes_ro),
            ("volumes_rw", container.volumes_rw),
        ],
    )
    if project.env:
        doc.table(("env",), dict(project.env))
    for name, command in sorted(project.cmd.items()):
        values = {f: getattr(command, f) for f in command.__dataclass_fields__ if f != "name"}
        values.pop("slurm")
        doc.table(("cmd", name), values)
        if command.slurm is not None:
            doc.table(("cmd", name, "slurm"), slurm_values(command.slurm))
    if project.dev_shell is not None:
        shell = project.dev_shell
        doc.table(("dev_shell",), {"shell": shell.shell, "inputs": shell.inputs or None})
    if project.slurm is not None:
        doc.table(("slurm",), slurm_values(project.slurm))
    if project.outside_nixpkgs is not None:
        _nixpkgs(doc, "outside_nixpkgs", project.outside_nixpkgs)
    for name, item in sorted(project.inputs.items()):
        doc.table((name,), _input_values(item))
    return doc.text()
