"""Each section's keys are the model's fields: the same names in the model, the TOML table
and the DSL method, so a key added to the model without its DSL keyword (or one the TOML
reader or either writer misses) fails here.

The DSL's signatures stay written out (they are its documentation, and typeguard checks
them); the reader and both writers take the keys from the fields (`anysnake2._schema`).
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from anysnake2 import model as m
from anysnake2._schema import (
    aliases,
    dsl_keyword,
    dsl_method,
    dsl_style,
    keys,
    toml_name,
    toml_names,
)
from anysnake2.dsl import Project as DslProject
from anysnake2.dsl._writer import to_python
from anysnake2.errors import ConfigError
from anysnake2.sources import parse_source
from anysnake2.toml_compat.reader import read_project_text
from anysnake2.toml_compat.writer import write_project

# section class → the DSL methods taking its keys, and the arguments that are not keys
SECTIONS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {
    m.AnysnakeSettings: (("anysnake2",), ("replace",)),
    m.Nixpkgs: (("nixpkgs", "outside_nixpkgs"), ("replace",)),
    m.Python: (("python",), ("replace",)),
    m.PythonPackage: (("python_package",), ("name",)),
    m.R: (("r",), ("replace",)),
    m.Rust: (("rust",), ("replace",)),
    m.Flake: (("flake",), ("name",)),
    m.CloneOptions: (("clone_options",), ()),
    m.Container: (("container",), ("replace",)),
    m.Command: (("cmd",), ("name",)),
    m.DevShell: (("dev_shell",), ("replace",)),
    m.Input: (("input",), ("name",)),
    m.Slurm: (("slurm",), ("replace",)),
}


def _parameters(method: str) -> dict[str, inspect.Parameter]:
    signature = inspect.signature(getattr(DslProject, method))
    return {name: p for name, p in signature.parameters.items() if name != "self"}


@pytest.mark.parametrize("cls", list(SECTIONS), ids=lambda c: c.__name__)
def test_model_fields_are_the_dsl_keywords(cls: type) -> None:
    methods, extra = SECTIONS[cls]
    wanted = {dsl_keyword(f) for f in keys(cls)}
    for method in methods:
        parameters = _parameters(method)
        assert set(parameters) - set(extra) == wanted, f"Project.{method}() and {cls.__name__}"
        for f in keys(cls):
            kind = parameters[dsl_keyword(f)].kind
            if dsl_style(f) == "positional":  # the DSL writer passes it by position
                assert kind == inspect.Parameter.POSITIONAL_OR_KEYWORD, f.name


def test_every_project_section_has_its_dsl_method() -> None:
    for f in keys(m.Project):
        assert callable(getattr(DslProject, dsl_method(f), None)), f.name


def test_toml_sections_are_the_model_fields_and_their_old_spellings() -> None:
    from anysnake2.toml_compat import reader

    model = set(toml_names(m.Project)) | set(aliases(m.Project))
    extra = set(reader.SECTIONS) - model
    assert extra == {"clone_regexps", *reader.HELPER_SECTIONS, *reader.IGNORED_SECTIONS}
    assert "R" in reader.SECTIONS
    assert "r" not in reader.SECTIONS


def _slurm(owner: str) -> m.Slurm:
    return m.Slurm(
        partition="short",
        account="lab",
        qos="normal",
        time="02:00:00",
        mem="16G",
        cpus=4,
        gpus=1,
        array="1-10",
        max_parallel=2,
        image="sif",
        sbatch_options=("--constraint=avx2",),
        owner=owner,
    )


def _everything(r: m.R) -> m.Project:
    """A project with every key of every section set (not to its default)."""
    packages = {
        "a": m.PythonPackage(
            "a",
            ">=1",
            editable="code",
            override_attrs={"postPatch": "''true''"},
            build_systems=("setuptools",),
            patch_before_lock="sed -i s/a/b/ setup.py",
        ),
        "b": m.PythonPackage("b", "==1.2", pypi=True),
        "c": m.PythonPackage("c", source=parse_source("github:owner/c")),
    }
    return m.Project(
        anysnake2=m.AnysnakeSettings(
            "0.1.0",
            index_url="https://pypi.org/simple",
            find_links="wheels/",
            rev="dev",
            url="github:o/anysnake2",
            url2="github:o/anysnake2",
            use_binary=False,
            do_not_modify_flake=True,
            dtach=False,
        ),
        nixpkgs=m.Nixpkgs(
            url="github:NixOS/nixpkgs",
            rev="24.05",
            ref="nixos-24.05",
            packages=("git",),
            allow_unfree=True,
            permitted_insecure_packages=("openssl-1.1.1w",),
            overlay="final: prev: { }",
        ),
        outside_nixpkgs=m.Nixpkgs(rev="23.11"),
        inputs={"uv2nix": m.Input("github:pyproject-nix/uv2nix", "abc", "main")},
        python=m.Python(
            "3.12",
            ecosystem_date="2024-05-01",
            packages=packages,
            uv_lock_env={"A": "1"},
            prefer_wheels=True,
        ),
        r=r,
        rust=m.Rust("1.80", url="github:oxalica/rust-overlay", rev="abc", ref="master"),
        flakes={
            "hello": m.Flake(
                "hello", "github:o/hello", "v1", "main", "sub", ("nixpkgs",), ("hello",)
            )
        },
        clones={"code": {"dppd": "github:o/dppd"}},
        clone_options=m.CloneOptions(jujutsu=True),
        container=m.Container(
            home="/home/me",
            runtime="bwrap",
            dtach=True,
            env={"B": "2"},
            volumes_ro={"/opt": "/opt"},
            volumes_rw={".": "/project"},
            gpu=True,
        ),
        env={"C": "3"},
        cmd={
            "default": m.Command(
                "default",
                "jupyter lab",
                "pre-out",
                "while-out",
                "pre-in",
                "post-in",
                "post-out",
                _slurm("cmd.default.slurm"),
            )
        },
        dev_shell=m.DevShell("fish", ("hello",)),
        slurm=_slurm("slurm"),
    )


R_DATE = m.R(
    packages=("ggplot2",),
    date="2024-01-15",
    url="github:TyberiusPrime/nixR",
    rev="abc",
    ref="main",
    override_attrs={"x": "y"},
    dependency_overrides={"d": "e"},
    additional_packages={"foo_1.0": "{ }"},
    use_inside_nix_pkgs=True,
)
R_TAG = m.R(ecosystem_tag="2024-01-15_1")
PROJECTS = [_everything(R_DATE), _everything(R_TAG)]


def _values(project: m.Project) -> list[tuple[type, Any]]:
    """Every section value in `project`, nested ones too, with its class."""
    found: list[tuple[type, Any]] = []
    for f in keys(m.Project):
        value = getattr(project, f.name)
        items = value.values() if isinstance(value, m.FrozenMap) else [value]
        found += [(type(item), item) for item in items if dataclasses.is_dataclass(item)]
    python = project.python
    assert python is not None
    found += [(m.PythonPackage, p) for p in python.packages.values()]
    found += [(m.Slurm, c.slurm) for c in project.cmd.values() if c.slurm is not None]
    return found


def _default(f: Any) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return object()  # a required field: always set


def test_the_sample_sets_every_key_of_every_section() -> None:
    """A key or section added to the model must be added to the sample (and a section to
    SECTIONS); the round trips below then check that the TOML reader, both writers and
    the DSL know it."""
    unset = {(cls.__name__, f.name) for cls in (m.Project, *SECTIONS) for f in keys(cls)}
    seen = set()
    for project in PROJECTS:
        for cls, value in [(m.Project, project), *_values(project)]:
            seen.add(cls)
            for f in keys(cls):
                if getattr(value, f.name) != _default(f):
                    unset.discard((cls.__name__, f.name))
    assert not unset, f"keys the sample leaves unset: {sorted(unset)}"
    assert seen == {m.Project, *SECTIONS}


@pytest.mark.parametrize("project", PROJECTS, ids=["R-date", "R-tag"])
def test_every_key_round_trips_through_toml(project: m.Project) -> None:
    text = write_project(project)
    assert read_project_text(text, "anysnake2.toml") == project


@pytest.mark.parametrize("project", PROJECTS, ids=["R-date", "R-tag"])
def test_every_key_round_trips_through_the_dsl(project: m.Project) -> None:
    code = to_python(project).replace('if __name__ == "__main__":', "if False:")
    namespace: dict[str, Any] = {"__name__": "generated"}
    exec(compile(code, "anysnake2.py", "exec"), namespace)  # noqa: S102 - our own output
    assert namespace["project"].model == project


_ALIAS_CASES = [
    (m.R, "nixr_url", "url", '"github:TyberiusPrime/nixR"'),
    (m.R, "r_ecosystem_track_url", "url", '"github:o/r_ecosystem_track"'),
    (m.R, "nixr_tag", "rev", '"abc"'),
    (m.Rust, "rust_overlay_url", "url", '"github:oxalica/rust-overlay"'),
    (m.Rust, "rust_overlay_rev", "rev", '"abc"'),
    (m.Container, "detach", "dtach", "true"),
    (m.Python, "preferWheels", "prefer_wheels", "true"),
]


@pytest.mark.parametrize(("section", "alias", "key", "value"), _ALIAS_CASES)
def test_old_spellings_read_as_their_key(section: type, alias: str, key: str, value: str) -> None:
    assert aliases(section)[alias] == key
    table = {m.R: "R", m.Rust: "rust", m.Container: "container", m.Python: "python"}[section]
    version = 'version = "3.12"\n' if section is m.Python else ""
    old = read_project_text(f"[{table}]\n{version}{alias} = {value}\n", "anysnake2.toml")
    new = read_project_text(f"[{table}]\n{version}{key} = {value}\n", "anysnake2.toml")
    assert old == new


def test_every_documented_alias_is_tested() -> None:
    documented = {(cls, alias) for cls in (*SECTIONS, m.Project) for alias in aliases(cls)}
    tested = {case[:2] for case in _ALIAS_CASES}
    assert documented == tested | {(m.Project, "devShell"), (m.Project, "devshell")}


def test_dev_shell_spellings_read_as_dev_shell() -> None:
    want = read_project_text('[dev_shell]\nshell = "fish"\n', "anysnake2.toml")
    for alias in aliases(m.Project):
        assert read_project_text(f'[{alias}]\nshell = "fish"\n', "anysnake2.toml") == want


# tables that are not one project field's section, with the keys they cannot do without
_TABLES = {
    m.Python: ("python", 'version = "3.12"\n'),
    m.Flake: ("flakes.x", 'url = "github:o/x"\n'),
    m.Command: ("cmd.x", 'run = "true"\n'),
    m.Input: ("uv2nix", ""),
}


def _table_of(cls: type) -> tuple[str, str]:
    if cls in _TABLES:
        return _TABLES[cls]
    for f in keys(m.Project):
        hint = getattr(m, f.type.split("|")[0].strip(), None)
        if hint is cls:
            return toml_name(f), ""
    raise AssertionError(f"no table for {cls.__name__}")


@pytest.mark.parametrize("cls", [c for c in SECTIONS if c is not m.PythonPackage])
def test_an_unknown_key_is_refused_naming_the_known_ones(cls: type) -> None:
    table, prefix = _table_of(cls)
    with pytest.raises(ConfigError) as caught:
        read_project_text(f"[{table}]\n{prefix}zzz_unknown = 1\n", "anysnake2.toml")
    assert "unknown key 'zzz_unknown'" in caught.value.message
    hint = caught.value.hint or ""
    for name in toml_names(cls):
        assert name in hint, (name, hint)


def test_a_section_without_a_reader_of_its_own_is_read_by_its_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a new section gets: [rust] read only from its fields reads the same."""
    from anysnake2.toml_compat import reader

    text = '[rust]\nversion = "1.80"\nurl = "github:oxalica/rust-overlay"\nrev = "abc"\n'
    with_reader = read_project_text(text, "anysnake2.toml")
    monkeypatch.delitem(reader._READERS, "rust")
    assert read_project_text(text, "anysnake2.toml") == with_reader
    with pytest.raises(ConfigError) as caught:
        read_project_text('[rust]\nversion = "1.80"\nchannel = "beta"\n', "anysnake2.toml")
    assert caught.value.line == 3
    assert "unknown key 'channel'" in caught.value.message


def test_check_shows_a_section_without_a_summary_line_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a new section gets in `check`: its set keys, named as in TOML."""
    from anysnake2.commands import check

    project = m.Project(r=R_TAG, rust=m.Rust("1.80", rev="abc"))
    monkeypatch.setattr(check, "_SUMMARIZED", check._SUMMARIZED - {"r", "rust"})
    lines = check.summary(project)
    assert "R: ecosystem_tag 2024-01-15_1" in lines
    assert "rust: version 1.80, rev abc" in lines
    assert not [line for line in lines if line.startswith("r:")]
