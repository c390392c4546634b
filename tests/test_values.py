"""One validation per value, whichever door the value comes through.

Each bad value is refused by the DSL (at the user's call: file and line), by the TOML
reader (at the key's line) and by `anysnake2 check` on both formats (65), so nothing that
passes `check` fails later at `build flake`. Also: DSL type errors say what is wrong, every
DSL annotation has a fast check (no typeguard for a valid project), `load`/`from_toml`
errors, and copying/pickling a Project.
"""

from __future__ import annotations

import copy
import inspect
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run_cli

import anysnake2
from anysnake2 import ConfigError, Project
from anysnake2.dsl._calls import FAST_CHECKS
from anysnake2.toml_compat.reader import read_project_text

REPO = Path(__file__).resolve().parent.parent

# (DSL call as source text, the same value in TOML, a word the message must contain)
BAD = {
    "clone URL": (
        '.clone("code", dppd="notaurl")',
        '[clones.code]\ndppd = "notaurl"\n',
        "not a source URL",
    ),
    "clone of a sdist URL": (
        '.clone("code", dppd="https://example.org/dppd-1.0.tar.gz")',
        '[clones.code]\ndppd = "https://example.org/dppd-1.0.tar.gz"\n',
        "can be cloned",
    ),
    "anysnake2 version": ('.anysnake2("banana")', '[anysnake2]\nversion = "banana"\n', "banana"),
    "rust channel": ('.rust("stable")', '[rust]\nversion = "stable"\n', "stable Rust release"),
    "volume at /": ('.volume(".", "/")', '[container.volumes_rw]\n"." = "/"\n', "needs that path"),
    "volume at the store": (
        '.volume(".", "/nix/store")',
        '[container.volumes_ro]\n"." = "/nix/store"\n',
        "needs that path",
    ),
    "clone outside the project": (
        '.clone("../up", x="github:o/r")',
        '[clones."../up"]\nx = "github:o/r"\n',
        "inside the project",
    ),
    "python 2": ('.python("2.7")', '[python]\nversion = "2.7"\n', "Python 3"),
    "flake named like an input of ours": (
        '.flake("nixpkgs", "github:o/r")',
        '[flakes.nixpkgs]\nurl = "github:o/r"\n',
        "taken by an input anysnake2 adds",
    ),
}


def _script(call: str) -> str:
    return f"from anysnake2 import Project\n\nproject = (\n    Project()\n    {call}\n)\n"


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_dsl_refuses_at_the_users_call(case: str, tmp_path: Path) -> None:
    call, _, word = BAD[case]
    path = tmp_path / "anysnake2.py"
    path.write_text(_script(call))
    with pytest.raises(ConfigError) as caught:
        anysnake2.load(path)
    error = caught.value
    assert word in error.message and error.message.startswith("Project.")
    assert (error.file, error.line) == (str(path), 5)


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_toml_reader_refuses_at_the_key_line(case: str) -> None:
    _, toml, word = BAD[case]
    text = "# a project\n" + toml
    with pytest.raises(ConfigError) as caught:
        read_project_text(text, "anysnake2.toml")
    error = caught.value
    assert word in error.message
    # the clone folder and the flake name are the table's name
    line = 2 if case in ("clone outside the project", "flake named like an input of ours") else 3
    assert error.file == "anysnake2.toml" and error.line == line


@pytest.mark.parametrize("case", sorted(BAD))
def test_check_refuses_in_both_formats(case: str, tmp_path: Path) -> None:
    call, toml, word = BAD[case]
    for name, text in (("anysnake2.py", _script(call)), ("anysnake2.toml", toml)):
        folder = tmp_path / name.replace(".", "-")
        folder.mkdir()
        (folder / name).write_text(text)
        proc = run_cli("check", cwd=folder)
        assert proc.returncode == 65, proc.stdout + proc.stderr
        assert word in proc.stderr and f"{folder / name}:" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_type_errors_say_what_is_wrong() -> None:
    base = Project().python("3.12")
    cases: list[tuple[Callable[[], object], str]] = [
        (
            lambda: base.python_packages({"pandas": 2}),  # type: ignore[dict-item]
            (
                "the value of 'pandas' must be a version string, a dict of options or a "
                "PythonPackage, not int 2"
            ),
        ),
        (lambda: base.nixpkgs(packages=["git", 1]), "item 1 must be a string, not int 1"),  # type: ignore[list-item]
        (lambda: base.nixpkgs(packages="git"), "expected a list of strings, got the string"),  # type: ignore[arg-type]
        (lambda: base.container(runtime="docker"), "expected one of 'apptainer'"),  # type: ignore[arg-type]
        (lambda: base.env({"A": 1}), "the value of 'A' must be a string, not int 1"),  # type: ignore[dict-item]
        (lambda: base.cmd("x", None), "expected a string, got None"),  # type: ignore[arg-type]
    ]
    for make, words in cases:
        with pytest.raises(ConfigError) as caught:
            make()
        assert words in caught.value.message
        assert "is not an instance of" not in caught.value.message


def _dsl_methods() -> list[tuple[str, Callable[..., object]]]:
    return [
        (name, member)
        for name, member in inspect.getmembers(Project, inspect.isfunction)
        if not name.startswith("_")
    ]


def test_every_annotation_of_the_dsl_has_a_fast_check() -> None:
    """So typeguard is only imported to explain a mistake, never for a valid project."""
    unchecked = []
    wrapped = 0
    for name, method in _dsl_methods():
        if not hasattr(method, "__wrapped__"):
            continue  # not a builder call (write, to_toml, main...): no type check at all
        wrapped += 1
        for parameter in inspect.signature(method).parameters.values():
            if parameter.name == "self" or parameter.annotation is inspect.Parameter.empty:
                continue
            if parameter.annotation not in FAST_CHECKS:
                unchecked.append(f"{name}({parameter.name}: {parameter.annotation})")
    assert wrapped >= 18
    assert unchecked == []


def test_every_builder_method_is_checked() -> None:
    not_builders = {"build", "main", "to_python", "to_toml", "write", "from_toml"}
    for name, method in _dsl_methods():
        if name not in not_builders:
            assert hasattr(method, "__wrapped__"), f"Project.{name} is not a dsl_method"


def test_a_project_using_every_method_never_imports_typeguard(tmp_path: Path) -> None:
    code = """
import sys
from anysnake2 import Project
p = (
    Project()
    .anysnake2("0.1.0", index_url="https://pypi.org/simple", dtach=False)
    .nixpkgs("24.05", packages=["git"], allow_unfree=True, permitted_insecure_packages=["x"])
    .outside_nixpkgs("24.05", url="github:NixOS/nixpkgs")
    .python("3.12", ecosystem_date="2024-05-01", packages={"a": ">=1", "b": {"pypi": True}},
            uv_lock_env={"X": "1"}, prefer_wheels=True)
    .python_packages({"c": "pypi:1.0"}, replace=False)
    .python_package("d", url="github:o/d", editable=True, override_attrs={"k": "v"},
                    build_systems=["setuptools"], patch_before_lock="true")
    .r(["ggplot2"], date="2024-01-15", override_attrs={"a": "b"})
    .rust("1.80", url="github:oxalica/rust-overlay")
    .flake("hello", "github:o/hello", rev="v1", follows=["nixpkgs"], packages=["hello"])
    .clone("code", {"my-lib": "github:o/my-lib"}, other="git+https://example.org/other")
    .clone_options(jujutsu=False)
    .volume(".", "/project").volume("/data", "/data", ro=True)
    .env({"MY-VAR": "1"}, LANG="C.UTF-8")
    .container(home="/home/me", runtime="bwrap", dtach=True, env={"A": "b"},
               volumes_ro={"/opt": "/opt"}, volumes_rw={"out": "/out"})
    .cmd("default", "echo hi", pre_run_outside="true")
    .dev_shell(shell="fish", inputs=["ripgrep"])
    .input("uv2nix", "github:pyproject-nix/uv2nix", rev="abc")
    .with_(lambda q: q.env(FRAGMENT="1"))
)
assert p.to_toml() and p.to_python()
assert "typeguard" not in sys.modules, "typeguard was imported"
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)


# -- load / from_toml -----------------------------------------------------------------------


def test_load_returns_the_dsl_project(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.toml").write_text('[rust]\nversion = "1.80"\n')
    for path in (tmp_path, tmp_path / "anysnake2.toml"):
        project = anysnake2.load(path)
        assert isinstance(project, Project)
        assert project.python("3.12").to_toml().count("[python]") == 1
    assert Project.from_toml(tmp_path) == anysnake2.load(tmp_path)


def test_load_and_from_toml_errors_are_config_errors(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.py").write_text(_script('.rust("1.80")'))
    (tmp_path / "notes.txt").write_text("hi")
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [
        (lambda: Project.from_toml(tmp_path / "anysnake2.py"), "anysnake2.load(path)"),
        (lambda: Project.from_toml(empty), "does not exist"),
        (lambda: Project.from_toml(tmp_path / "nope.toml"), "does not exist"),
        (lambda: anysnake2.load(empty), "no anysnake2.toml or anysnake2.py"),
        (lambda: anysnake2.load(tmp_path / "nope.py"), "does not exist"),
        (lambda: anysnake2.load(tmp_path / "notes.txt"), "unknown config file type"),
    ]
    for make, words in cases:
        with pytest.raises(ConfigError) as caught:
            make()
        assert words in caught.value.render()
    assert anysnake2.load(tmp_path / "anysnake2.py").model.rust.version == "1.80"


# -- copies, pickles, values ------------------------------------------------------------------


def test_a_project_copies_pickles_and_compares_as_a_value() -> None:
    project = (
        anysnake2.load(REPO / "examples" / "anysnake2.toml")
        .python_packages({"scikit-learn": ">=1"})
        .env(X="1")
    )
    assert copy.copy(project) is project and copy.deepcopy(project) is project
    again = pickle.loads(pickle.dumps(project))
    assert again == project and hash(again) == hash(project)
    assert again.model.origin == project.model.origin
    assert again.to_toml() == project.to_toml()
    assert again.env(Y="2") != project
    assert len({project, again, Project(project.model)}) == 1


def test_reserved_flake_names_cover_every_input_the_renderer_adds() -> None:
    from anysnake2._names import RESERVED_FLAKE_NAMES
    from anysnake2.defaults import DEFAULT_INPUTS

    assert {"nixpkgs", "self", *DEFAULT_INPUTS} <= set(RESERVED_FLAKE_NAMES)
