"""`--json` (issue 18): one JSON document on stdout, valid against its documented schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from anysnake2 import __version__
from anysnake2.commands._json import SCHEMAS
from tests.test_build import anysnake2 as run_in
from tests.test_build import spy_path, write_project
from tests.test_cli_frame import REPO, anysnake2

__all__ = ["spy_path"]  # the fixture, used by name

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int}


def validate(value: Any, schema: dict[str, Any], where: str = "$") -> None:
    """The subset of JSON Schema that SCHEMAS uses (type, enum, const, required,
    properties, additionalProperties, items); AssertionError naming the place."""
    if "const" in schema:
        assert value == schema["const"], where
    if "enum" in schema:
        assert value in schema["enum"], where
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            value is None
            if t == "null"
            else isinstance(value, _TYPES[t]) and not (t == "integer" and isinstance(value, bool))
            for t in types
        )
        assert ok, f"{where}: {value!r} is not {types}"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{where}: {key} missing"
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                validate(item, properties[key], f"{where}.{key}")
            else:
                assert extra is not False, f"{where}: unexpected {key}"
                if isinstance(extra, dict):
                    validate(item, extra, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            validate(item, schema["items"], f"{where}[{index}]")


def document(stdout: str, schema: str) -> dict[str, Any]:
    data = json.loads(stdout)  # exactly one document: json.loads refuses trailing text
    validate(data, SCHEMAS[schema])
    assert data["schema"] == f"anysnake2.{schema}/1"
    return data


def test_the_validator_can_fail() -> None:
    with pytest.raises(AssertionError):
        validate({"schema": "x", "ok": "yes"}, SCHEMAS["version"])


def test_version_json(tmp_path: Path) -> None:
    proc = anysnake2("version", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert document(proc.stdout, "version")["version"] == __version__


CONFIG = f"""\
[anysnake2]
version = "{__version__}"

[nixpkgs]
url = "github:NixOS/nixpkgs"
rev = "{"a" * 40}"
packages = ["hello"]

[flakes.tool]
url = "github:me/tool"
ref = "main"

[cmd.default]
run = "bash"

[mach-nix]
rev = "3.5.0"

[python]
version = "3.12"
ecosystem_date = "2024-05-01"

[python.packages]
"""


def test_check_json_has_pins_open_values_and_warnings(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.toml").write_text(CONFIG)
    proc = anysnake2("check", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = document(proc.stdout, "check")
    assert data["pins"]["nixpkgs"] == {"url": "github:NixOS/nixpkgs", "ref": None, "rev": "a" * 40}
    assert (
        data["pins"]["flakes.tool"]["ref"] == "main" and data["pins"]["flakes.tool"]["rev"] is None
    )
    assert data["values"]["python.ecosystem_date"] == "2024-05-01"
    assert data["open"] == ["flakes.tool (github:me/tool, tag or branch main)"]
    assert data["commands"] == ["default"]
    assert any("[mach-nix] has no effect" in w for w in data["warnings"]), proc.stderr
    assert data["warnings"] and data["warnings"][0] in proc.stderr  # also told on stderr


def test_an_error_is_a_json_document_too(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.toml").write_text(CONFIG + "[nixpgks]\n")
    proc = anysnake2("check", "--json", cwd=tmp_path)
    assert proc.returncode == 65
    data = json.loads(proc.stdout)
    validate(data, SCHEMAS["error"])
    assert data["error"]["exit_code"] == 65 and data["error"]["file"].endswith("anysnake2.toml")


def test_lock_json_without_python(tmp_path: Path) -> None:
    text = CONFIG.split("[flakes.tool]")[0]
    (tmp_path / "anysnake2.toml").write_text(text)
    proc = anysnake2("--offline", "lock", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = document(proc.stdout, "lock")
    assert data["python_lock"] is None and data["open"] == []


def test_build_flake_and_rootfs_json(tmp_path: Path, offline_pkgs, spy_path) -> None:
    env, _ = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["hello"])
    proc = run_in(root, env, "build", "flake", "--json")
    assert proc.returncode == 0, proc.stderr
    data = document(proc.stdout, "build")
    assert data["target"] == "flake" and data["changed"] is True
    assert data["paths"]["flake"] == str(root / ".anysnake2_flake" / "flake.nix")
    proc = run_in(root, env, "build", "rootfs", "--json")
    assert proc.returncode == 0, proc.stderr
    data = document(proc.stdout, "build")
    assert Path(data["paths"]["rootfs"], "bin", "hello").exists()
    assert data["paths"]["store"].startswith("/nix/store/")


def test_the_readme_documents_each_schema() -> None:
    readme = (REPO / "README.md").read_text()
    for name in SCHEMAS:
        assert f"anysnake2.{name}/1" in readme, name
