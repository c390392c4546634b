"""`--json` output of `check`, `lock`, `build *` and `version`: one JSON document on stdout.

Every document is an object with `"schema": "anysnake2.<command>/1"`, `"ok"` and
`"warnings"` (the warnings also printed on stderr). A failure prints
`{"schema": ..., "ok": false, "error": {"message", "exit_code", "file", "line", "hint"},
"warnings": [...]}` and exits with the usual code. The fields of each command are in
SCHEMAS (JSON Schema, draft 2020-12), documented in README.md ("Machine-readable
output") and checked by tests/test_json_output.py.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .. import _log
from .._version import __version__

if TYPE_CHECKING:
    from ..errors import AnysnakeError
    from ..model import Project

__all__ = ["SCHEMAS", "emit", "emit_error", "pins"]

_STRING_OR_NULL = {"type": ["string", "null"]}
_PIN = {
    "type": "object",
    "required": ["url", "ref", "rev"],
    "properties": {"url": _STRING_OR_NULL, "ref": _STRING_OR_NULL, "rev": _STRING_OR_NULL},
}
_COMMON = {
    "schema": {"type": "string"},
    "ok": {"type": "boolean"},
    "anysnake2_version": {"type": "string"},
    "warnings": {"type": "array", "items": {"type": "string"}},
}
_PROJECT = {
    "config": {"type": "string"},
    "pins": {"type": "object", "additionalProperties": _PIN},
    "values": {"type": "object", "additionalProperties": _STRING_OR_NULL},
    "open": {"type": "array", "items": {"type": "string"}},
}


def _schema(name: str, required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"anysnake2.{name}/1",
        "type": "object",
        "required": ["schema", "ok", "anysnake2_version", "warnings", *required],
        "properties": {**_COMMON, **properties},
        "additionalProperties": False,
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "version": _schema("version", ["version"], {"version": {"type": "string"}}),
    "check": _schema(
        "check",
        ["config", "pins", "values", "open", "summary", "commands"],
        {
            **_PROJECT,
            "summary": {"type": "array", "items": {"type": "string"}},
            "commands": {"type": "array", "items": {"type": "string"}},
        },
    ),
    "lock": _schema(
        "lock",
        ["config", "pins", "values", "open", "python_lock", "python_lock_changed"],
        {
            **_PROJECT,
            "python_lock": _STRING_OR_NULL,
            "python_lock_changed": {"type": "boolean"},
        },
    ),
    "build": _schema(
        "build",
        ["target", "paths"],
        {
            "target": {"enum": ["flake", "rootfs", "oci", "sif"]},
            "paths": {"type": "object", "additionalProperties": {"type": "string"}},
            "changed": {"type": "boolean"},
        },
    ),
    "error": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "anysnake2.error/1",
        "type": "object",
        "required": ["schema", "ok", "anysnake2_version", "warnings", "error"],
        "properties": {
            **_COMMON,
            "ok": {"const": False},
            "error": {
                "type": "object",
                "required": ["message", "exit_code", "file", "line", "hint"],
                "properties": {
                    "message": {"type": "string"},
                    "exit_code": {"type": "integer"},
                    "file": _STRING_OR_NULL,
                    "line": {"type": ["integer", "null"]},
                    "hint": _STRING_OR_NULL,
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
}


def emit(command: str, **fields: Any) -> None:
    """Print the document of `command` (see SCHEMAS) on stdout."""
    document = {
        "schema": f"anysnake2.{command}/1",
        "ok": True,
        "anysnake2_version": __version__,
        **fields,
        "warnings": _log.warnings(),
    }
    print(_log.clean(json.dumps(document, indent=2, sort_keys=True)))  # no credentials


def emit_error(command: str, error: AnysnakeError) -> None:
    """Print the failure document for `error` on stdout."""
    document = {
        "schema": f"anysnake2.{command}/1",
        "ok": False,
        "anysnake2_version": __version__,
        "error": {
            "message": error.message,
            "exit_code": error.exit_code,
            "file": None if error.file is None else str(error.file),
            "line": error.line,
            "hint": error.hint,
        },
        "warnings": _log.warnings(),
    }
    print(_log.clean(json.dumps(document, indent=2, sort_keys=True)))  # no credentials


def pins(project: Project) -> dict[str, Any]:
    """`pins` (inputs: url, ref, rev), `values` (dates, versions) and `open` (to resolve)."""
    from ..resolve.pins import requests_for

    found: dict[str, dict[str, str | None]] = {}
    for name, item in (("nixpkgs", project.nixpkgs), ("outside_nixpkgs", project.outside_nixpkgs)):
        if item is not None:
            found[name] = {"url": item.url, "ref": item.ref, "rev": item.rev}
    for name, flake in project.flakes.sorted_items():
        found[f"flakes.{name}"] = {"url": flake.url, "ref": flake.ref, "rev": flake.rev}
    for name, given in sorted(project.inputs.items()):
        found[f"inputs.{name}"] = {"url": given.url, "ref": given.ref, "rev": given.rev}
    values: dict[str, str | None] = {"anysnake2.version": project.anysnake2.version}
    if project.python is not None:
        values["python.version"] = project.python.version
        values["python.ecosystem_date"] = project.python.ecosystem_date
    if project.r is not None:
        values["R.date"] = project.r.date
    if project.rust is not None:
        values["rust.version"] = project.rust.version
    return {
        "pins": found,
        "values": values,
        "open": [request.describe() for request in requests_for(project)],
    }
