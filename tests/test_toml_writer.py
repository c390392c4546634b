"""TOML writer: canonical, stable output that reads back into the same Project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from anysnake2.errors import ConfigError
from anysnake2.model import Command, Project, Python, PythonPackage
from anysnake2.sources import Source
from anysnake2.toml_compat.reader import read_project, read_project_text
from anysnake2.toml_compat.writer import toml_string, write_project

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from conftest import ORIGINAL_CONFIGS as ORIGINALS

EXAMPLES = Path(__file__).parent.parent / "anysnake2" / "examples"


def loadable(tmp_path: Path) -> list[Path]:
    paths = []
    for source in sorted(ORIGINALS.glob("*.toml")) + sorted(EXAMPLES.glob("*.toml")):
        copy = tmp_path / f"{source.parent.name}__{source.name}"
        shutil.copyfile(source, copy)
        paths.append(copy)
    return paths


@pytest.mark.needs_shared
def test_round_trip_of_every_loadable_config(tmp_path):
    checked = 0
    for path in loadable(tmp_path):
        try:
            project = read_project(path)
        except ConfigError:
            continue  # mach-nix-only keys; covered in test_check_cli
        text = write_project(project)
        again = read_project_text(text, "written.toml")
        assert again == project, path.name
        assert again.warnings == (), (path.name, again.warnings)  # canonical = no legacy keys
        assert write_project(again) == text, path.name
        checked += 1
    assert checked == 40  # 37 originals + 3 examples


def test_sections_in_fixed_order_and_keys_sorted():
    project = read_project(EXAMPLES / "full.toml")
    text = write_project(project)
    headers = [line for line in text.splitlines() if line.startswith("[")]
    top = []
    for header in headers:
        name = header.strip("[]").split(".")[0]
        if name not in top:
            top.append(name)
    assert top == [
        "anysnake2",
        "nixpkgs",
        "python",
        "R",
        "rust",
        "flakes",
        "clones",
        "clone_options",
        "container",
        "env",
        "cmd",
        "dev_shell",
        "slurm",
        "outside_nixpkgs",
        "build-system-pkgs",
        "flake-utils",
        "nixpkgs-lib",
        "pyproject-nix",
        "uv2nix",
        "uv2nix_hammer_overrides",
    ]
    data = tomllib.loads(text)
    assert list(data["nixpkgs"]) == sorted(data["nixpkgs"])
    packages = data["python"]["packages"]
    simple = [k for k, v in packages.items() if isinstance(v, str)]
    tables = [k for k, v in packages.items() if isinstance(v, dict)]
    assert list(packages) == sorted(simple) + sorted(tables)  # strings first, then tables


def test_output_does_not_depend_on_insertion_order():
    a = Project(
        python=Python("3.12", packages={"b": PythonPackage("b"), "a": PythonPackage("a", "==1")}),
        env={"Y": "1", "X": "2"},
    )
    b = Project(
        python=Python("3.12", packages={"a": PythonPackage("a", "==1"), "b": PythonPackage("b")}),
        env={"X": "2", "Y": "1"},
    )
    assert write_project(a) == write_project(b)


def test_scripts_stay_readable_multiline_strings():
    script = "echo \"hi\"\n\tcd /project\npython -c 'print(1)'\n"
    project = Project(cmd={"default": Command("default", run=script)})
    text = write_project(project)
    assert "run = '''\n" + script + "'''" in text
    assert read_project_text(text, "x.toml").cmd["default"].run == script


def test_package_forms_are_written_compactly():
    packages = {
        "a": PythonPackage("a"),
        "b": PythonPackage("b", "==1.2", pypi=True),
        "c": PythonPackage("c", source=Source("github", "o/c", None, "f" * 40)),
        "d": PythonPackage("d", editable="code", build_systems=("setuptools",)),
    }
    text = write_project(Project(python=Python("3.12", packages=packages)))
    assert 'a = ""\nb = "pypi:1.2"\nc = "github:o/c//' + "f" * 40 + '"\n' in text
    assert '[python.packages.d]\nbuild_systems = ["setuptools"]\neditable = "code"\n' in text


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "it's",
        'say "hi"',
        "back\\slash",
        "both ' and \"",
        "multi\nline ''' with quotes",
        "ends with quote\n'",
        'multi\n"""\nbasic',
        "ctrl\x01char",
        "tab\tand\nnewline\\",
    ],
)
def test_string_literals_round_trip(text):
    assert tomllib.loads("a = " + toml_string(text))["a"] == text
