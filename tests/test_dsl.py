"""The fluent DSL: immutability, every method, located errors, to_python, the .py loader."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from anysnake2 import model as m
from anysnake2.config_load import load_python_config, read_pep723_pin
from anysnake2.dsl import Project, to_python
from anysnake2.errors import ConfigError
from anysnake2.toml_compat.reader import read_project
from anysnake2.toml_compat.writer import write_project

REPO = Path(__file__).resolve().parent.parent
RUFF = REPO / ".venv" / "bin" / "ruff"
from conftest import ORIGINAL_CONFIGS


def _line_of(marker: str) -> int:
    """The line of this file that contains `marker` (where an error must point)."""
    for number, line in enumerate(Path(__file__).read_text().splitlines(), start=1):
        if marker in line and "_line_of" not in line:
            return number
    raise AssertionError(marker)


BASE = (
    Project()
    .nixpkgs("24.05", packages=["git"])
    .python("3.12", ecosystem_date="2024-05-01", packages={"pandas": ">=2"})
    .cmd("default", "echo hi")
    .volume(".", "/project")
)


def test_base_forked_100_ways_stays_unchanged() -> None:
    before_model, before_toml = BASE.model, BASE.to_toml()
    forks = []
    for i in range(100):
        forks.append(
            BASE.nixpkgs(packages=[f"pkg{i}"])
            .python_packages({f"lib-{i}": f">={i}"})
            .env(RUN=str(i))
            .cmd(f"c{i}", "true")
            .volume(f"/data/{i}", "/data", ro=True)
            .clone("code", **{f"r{i}": "github:o/r"})
        )
    assert BASE.model == before_model and BASE.to_toml() == before_toml
    assert BASE.model.nixpkgs.packages == ("git",)
    assert list(BASE.model.python.packages) == ["pandas"]
    assert len({fork.to_toml() for fork in forks}) == 100
    assert forks[7].model.nixpkgs.packages == ("git", "pkg7")
    assert set(forks[7].model.python.packages) == {"pandas", "lib-7"}


def test_project_cannot_be_changed_in_place() -> None:
    with pytest.raises(AttributeError):
        BASE._model = m.Project()  # type: ignore[misc]


def test_every_method_reaches_its_model_field() -> None:
    def gpu(p: Project) -> Project:
        return p.nixpkgs(allow_unfree=True, packages=["cudatoolkit"])

    p = (
        Project()
        .anysnake2("0.1.0", index_url="https://example.org/simple", dtach=False, use_binary=True)
        .nixpkgs("24.05", url="github:NixOS/nixpkgs", packages=["fish"], overlay="final: prev: {}")
        .nixpkgs(packages=["git", "fish"], permitted_insecure_packages=["openssl-1.1"])
        .outside_nixpkgs("23.11", ref="master")
        .input("uv2nix", "github:pyproject-nix/uv2nix", rev="abc")
        .python("3.11", ecosystem_date="2024-01-01", uv_lock_env={"A": "1"}, prefer_wheels=False)
        .python_packages({"scikit-learn": ">=1", "numpy": "1.26", "scanpy": "pypi:1.9.6"})
        .python_package(
            "dppd",
            url="github:TyberiusPrime/dppd",
            editable=True,
            override_attrs={"postPatch": "''true''"},
            build_systems=["setuptools"],
            patch_before_lock="sed -i s/a/b/ setup.py",
        )
        .r(["ggplot2"], date="2024-01-15", override_attrs={"x": "old: {}"})
        .r(["DESeq2"], additional_packages={"foo_1.0": "{}"}, use_inside_nix_pkgs=False)
        .rust("1.80", url="github:oxalica/rust-overlay")
        .flake("hello", "github:o/hello", rev="v1", dir="sub", follows=["nixpkgs"], packages=[])
        .clone("code", {"my-lib": "github:o/my-lib"}, other="git+https://x.org/r.git")
        .clone_options(jujutsu=True)
        .volume("/data", "/data", ro=True)
        .volume(".", "/project")
        .env(LANG="C.UTF-8")
        .env({"MY-VAR": "1"})
        .container(home="/home/me", runtime="bwrap", dtach=True, env={"X": "y"})
        .cmd("default", "jupyter lab", pre_run_outside="echo pre", post_run_inside="echo post")
        .dev_shell(shell="fish", inputs=["ripgrep"])
        .with_(gpu)
    )
    model = p.build()
    assert model is p.model
    assert model.anysnake2 == m.AnysnakeSettings(
        version="0.1.0", index_url="https://example.org/simple", use_binary=True, dtach=False
    )
    assert model.nixpkgs.packages == ("fish", "git", "cudatoolkit")
    assert model.nixpkgs.allow_unfree is True
    assert model.nixpkgs.permitted_insecure_packages == ("openssl-1.1",)
    assert model.nixpkgs.overlay == "final: prev: {}"
    assert model.outside_nixpkgs == m.Nixpkgs(rev="23.11", ref="master")
    assert model.inputs["uv2nix"] == m.Input("github:pyproject-nix/uv2nix", "abc")
    packages = model.python.packages
    assert packages["numpy"].version == "==1.26"
    assert packages["scanpy"] == m.PythonPackage("scanpy", "==1.9.6", pypi=True)
    assert packages["dppd"].editable == "code"
    assert packages["dppd"].source.to_url() == "github:TyberiusPrime/dppd"
    assert model.python.uv_lock_env == {"A": "1"} and model.python.prefer_wheels is False
    assert model.r.packages == ("ggplot2", "DESeq2")
    assert model.r.override_attrs == {"x": "old: {}"}
    assert model.r.use_inside_nix_pkgs is False
    assert model.rust == m.Rust("1.80", url="github:oxalica/rust-overlay")
    assert model.flakes["hello"].packages == () and model.flakes["hello"].dir == "sub"
    assert model.clones["code"] == {"my-lib": "github:o/my-lib", "other": "git+https://x.org/r.git"}
    assert model.clone_options.jujutsu is True
    assert model.container.volumes_ro == {"/data": "/data"}
    assert model.container.volumes_rw == {".": "/project"}
    assert model.container.env == {"X": "y"} and model.container.runtime == "bwrap"
    assert model.env == {"LANG": "C.UTF-8", "MY-VAR": "1"}
    assert model.cmd["default"].pre_run_outside == "echo pre"
    assert model.dev_shell == m.DevShell("fish", ("ripgrep",))
    # and everything survives the trip through Python source
    assert load_python_text(p.to_python()) == model


def test_replace_resets_a_section() -> None:
    p = BASE.nixpkgs(packages=["fish"]).nixpkgs("24.11", packages=["hello"], replace=True)
    assert p.model.nixpkgs == m.Nixpkgs(rev="24.11", packages=("hello",))
    p = BASE.python_packages({"numpy": ""}, replace=True)
    assert list(p.model.python.packages) == ["numpy"]
    p = BASE.python("3.11", replace=True)
    assert p.model.python == m.Python("3.11")
    p = BASE.container(home="/h").container(runtime="bwrap", replace=True)
    assert p.model.container == m.Container(runtime="bwrap")


def test_a_fragment_must_return_a_project() -> None:
    with pytest.raises(ConfigError, match="returned NoneType, not a Project"):
        BASE.with_(lambda p: None)  # type: ignore[arg-type,return-value]


def test_wrong_type_points_at_the_users_line() -> None:
    with pytest.raises(ConfigError) as caught:
        Project().python(3.12)  # type: ignore[arg-type]  # MARK-wrong-type
    error = caught.value
    assert "Project.python()" in error.message and "'version'" in error.message
    assert error.file == __file__ and error.line == _line_of("MARK-wrong-type")
    assert error.exit_code == 65


def test_wrong_item_type_in_a_list_points_at_the_users_line() -> None:
    with pytest.raises(ConfigError) as caught:
        Project().nixpkgs(packages=["git", 1])  # type: ignore[list-item]  # MARK-item
    assert "Project.nixpkgs()" in caught.value.message and "'packages'" in caught.value.message
    assert caught.value.line == _line_of("MARK-item")


def test_a_string_where_a_list_is_expected_is_refused() -> None:
    with pytest.raises(ConfigError, match="a list of strings, got the string 'git'"):
        Project().nixpkgs(packages="git")


def test_wrong_value_points_at_the_users_line() -> None:
    with pytest.raises(ConfigError) as caught:
        Project().python("3.12.1")  # MARK-wrong-value
    assert "Project.python(): python version must be major.minor" in caught.value.message
    assert caught.value.file == __file__ and caught.value.line == _line_of("MARK-wrong-value")
    rendered = caught.value.render()
    assert f"{__file__}:{_line_of('MARK-wrong-value')}" in rendered


def test_unknown_keyword_and_reserved_command_are_config_errors() -> None:
    with pytest.raises(ConfigError, match=r"Project.nixpkgs\(\): .*unexpected keyword.*pakages"):
        Project().nixpkgs(pakages=["git"])  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="built-in command") as caught:
        Project().cmd("run", "echo")  # MARK-reserved
    assert caught.value.line == _line_of("MARK-reserved")
    with pytest.raises(ConfigError, match="call .python.version. before"):
        Project().python_packages({"numpy": ""})
    with pytest.raises(ConfigError, match="unknown key 'urll'"):
        Project().python("3.12").python_packages({"x": {"urll": "github:o/r"}})


def test_error_inside_a_fragment_points_at_the_fragment() -> None:
    def broken(p: Project) -> Project:
        return p.volume(".", "relative")  # MARK-fragment

    with pytest.raises(ConfigError, match="must be absolute") as caught:
        BASE.with_(broken)
    assert caught.value.line == _line_of("MARK-fragment")
    assert caught.value.message.startswith("Project.volume(): ")


def test_version_normalization_warns() -> None:
    p = Project().python("3.12", packages={"a": ">2."})
    assert p.model.python.packages["a"].version == ">2"
    assert any("trailing dot" in w for w in p.model.warnings)


# -- to_python ---------------------------------------------------------------------------


def load_python_text(text: str, folder: Path | None = None) -> m.Project:
    import tempfile

    folder = folder or Path(tempfile.mkdtemp(prefix="dsl-"))
    path = folder / "anysnake2.py"
    path.write_text(text)
    return load_python_config(path)


def _loadable_originals(tmp_path: Path) -> list[tuple[Path, m.Project]]:
    out = []
    for source in sorted(ORIGINAL_CONFIGS.glob("*.toml")):
        copy = tmp_path / "toml" / source.name
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(source, copy)
        try:
            out.append((copy, read_project(copy)))
        except ConfigError:
            continue
    assert len(out) >= 30
    return out


@pytest.mark.needs_shared
def test_round_trip_of_every_original_config_is_lossless_and_ruff_clean(tmp_path: Path) -> None:
    written = tmp_path / "py"
    for copy, project in _loadable_originals(tmp_path):
        folder = written / copy.stem
        folder.mkdir(parents=True)
        again = load_python_text(to_python(project), folder)
        assert again == project, copy.name
        assert write_project(again) == write_project(project), copy.name
    for args in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [str(RUFF), *args, "--isolated", "--no-cache", str(written)],
            check=False,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_to_python_reads_like_the_toml() -> None:
    text = BASE.anysnake2("0.1.0").to_python()
    assert text.startswith('# /// script\n# dependencies = ["anysnake2==0.1.0"]\n# ///\n')
    assert read_pep723_pin(text) == "0.1.0"
    body = text.split("project = (", 1)[1]
    assert body.index("# [nixpkgs]") < body.index("# [python]") < body.index("# [cmd]")
    assert '    .nixpkgs("24.05", packages=["git"])\n' in body
    assert '    .python_packages({"pandas": ">=2"})\n' in body
    assert 'if __name__ == "__main__":\n    project.main()\n' in text


def test_empty_and_tiny_projects_are_ruff_clean(tmp_path: Path) -> None:
    long_rev = "a" * 90
    for i, project in enumerate(
        [Project(), Project().rust("1.80"), Project().nixpkgs(long_rev, packages=["x"] * 1)]
    ):
        (tmp_path / f"p{i}.py").write_text(project.to_python())
        assert load_python_text(project.to_python()) == project.model
    result = subprocess.run(
        [str(RUFF), "format", "--check", "--isolated", "--no-cache", str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_odd_strings_survive(tmp_path: Path) -> None:
    odd = ['say "hi"', "it's", "both ' and \"", "tab\there", 'multi\nline "x"\n', "back\\slash\n"]
    p = Project().env({f"V{i}": s for i, s in enumerate(odd)}).cmd("x", "a\nb\n\tc\n")
    assert load_python_text(p.to_python(), tmp_path) == p.model
    result = subprocess.run(
        [str(RUFF), "format", "--check", "--isolated", "--no-cache", str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_write_refuses_to_overwrite(tmp_path: Path) -> None:
    target = BASE.write(tmp_path)
    assert target == tmp_path / "anysnake2.toml"
    assert read_project(target) == BASE.model
    with pytest.raises(ConfigError, match="exists already"):
        BASE.write(tmp_path)
    BASE.rust("1.80").write(tmp_path, overwrite=True)
    assert read_project(target).rust == m.Rust("1.80")
    py = BASE.write(tmp_path, format="python")
    assert load_python_config(py) == BASE.model
    assert Project.from_toml(target) == BASE.rust("1.80")


# -- the .py loader -------------------------------------------------------------------------


def test_loader_imports_sibling_modules(tmp_path: Path) -> None:
    (tmp_path / "common_bits.py").write_text(
        "def base(p):\n    return p.nixpkgs('24.05', packages=['git'])\n"
    )
    path = tmp_path / "anysnake2.py"
    path.write_text(
        "from anysnake2 import Project\nfrom common_bits import base\n\n"
        "project = Project().with_(base)\n"
    )
    model = load_python_config(path)
    assert model.nixpkgs.packages == ("git",)
    assert model.origin == str(path)
    assert "anysnake2" in sys.modules and sys.modules["anysnake2"].__file__.endswith("__init__.py")


def test_loader_accepts_a_model_project(tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.py"
    path.write_text(
        "from anysnake2.model import Project, Rust\nproject = Project(rust=Rust('1.80'))\n"
    )
    assert load_python_config(path).rust == m.Rust("1.80")


def test_file_without_project_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.py"
    path.write_text("x = 1\n")
    with pytest.raises(ConfigError, match="defines no module-level `project`") as caught:
        load_python_config(path)
    assert caught.value.exit_code == 65 and "project = Project()" in caught.value.hint


@pytest.mark.parametrize(
    ("value", "kind"),
    [("42", "int"), ("type('Fake', (), {'model': 'not a project'})()", "Fake")],
)
def test_project_of_another_type_is_a_config_error(tmp_path: Path, value: str, kind: str) -> None:
    """Something else named `project` (even one with a `.model` that is no model) is 65."""
    path = tmp_path / "anysnake2.py"
    path.write_text(f"project = {value}\n")
    with pytest.raises(ConfigError, match=f"must be an anysnake2.Project, not {kind}") as caught:
        load_python_config(path)
    assert caught.value.exit_code == 65


def test_exception_in_users_file_shows_user_frames_only(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("def explode():\n    return 1 / 0\n")
    path = tmp_path / "anysnake2.py"
    path.write_text("from helper import explode\n\nexplode()\nproject = None\n")
    with pytest.raises(ConfigError) as caught:
        load_python_config(path)
    text = caught.value.render()
    assert "ZeroDivisionError" in text and "helper.py" in text and "anysnake2.py" in text
    assert "importlib" not in text and "anysnake2/dsl" not in text
    assert caught.value.file == str(tmp_path / "helper.py") and caught.value.line == 2


def test_dsl_mistake_in_users_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.py"
    path.write_text("from anysnake2 import Project\n\nproject = Project().python('3')\n")
    with pytest.raises(ConfigError) as caught:
        load_python_config(path)
    assert caught.value.file == str(path) and caught.value.line == 3
    assert "Project.python()" in caught.value.message


def test_syntax_error_and_module_level_main(tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.py"
    path.write_text("project = (\n")
    with pytest.raises(ConfigError, match="invalid Python") as caught:
        load_python_config(path)
    assert caught.value.file == str(path)
    path.write_text("from anysnake2 import Project\nproject = Project()\nproject.main([])\n")
    with pytest.raises(ConfigError, match="exited while being loaded"):
        load_python_config(path)


def test_version_pin_disagreement_warns(tmp_path: Path) -> None:
    text = Project().anysnake2("0.1.0").to_python().replace("anysnake2==0.1.0", "anysnake2==9.9")
    path = tmp_path / "anysnake2.py"
    path.write_text(text)
    warnings = load_python_config(path).warnings
    assert len(warnings) == 1
    assert "anysnake2==9.9" in warnings[0] and "'0.1.0'" in warnings[0]
    assert "running now (0.1.0) decides" in warnings[0]
    path.write_text(Project().anysnake2("0.1.0").to_python())
    assert load_python_config(path).warnings == ()


def test_toml_path_does_not_import_typeguard(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.toml").write_text('[python]\nversion = "3.12"\n[python.packages]\n')
    code = (  # the CLI's way: the model only
        "import sys; from anysnake2.loader import load_model; load_model(sys.argv[1]); "
        "assert 'typeguard' not in sys.modules and 'anysnake2.dsl' not in sys.modules"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "anysnake2.toml")], check=True, cwd=REPO
    )
    code = (  # the API's way: a DSL Project, still without typeguard
        "import sys; from anysnake2 import load; p = load(sys.argv[1]); "
        "assert type(p).__name__ == 'Project' and p.python('3.11').to_toml(); "
        "assert 'typeguard' not in sys.modules"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "anysnake2.toml")], check=True, cwd=REPO
    )


def test_python_script_rejects_dash_c(tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.py"
    path.write_text(textwrap.dedent(Project().rust("1.80").to_python()))
    result = subprocess.run(
        [sys.executable, str(path), "-c", "x.toml", "check"],
        check=False,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 64 and "the project is this script" in result.stderr


def test_example_py_is_the_example_toml() -> None:
    examples = REPO / "examples"
    python = load_python_config(examples / "anysnake2.py")
    toml = read_project(examples / "anysnake2.toml")
    assert python == toml
    assert write_project(python) == write_project(toml)
    assert python.warnings == ()


def test_config_full_as_python_is_examples_py_and_keeps_every_explanation() -> None:
    from conftest import run_cli

    from anysnake2.toml_compat.comments import section_comments

    result = run_cli("config", "full", "--format", "python", cwd=REPO / "tests")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (REPO / "examples" / "anysnake2.py").read_text()
    toml = (REPO / "examples" / "anysnake2.toml").read_text()
    comments = [line for lines in section_comments(toml).values() for line in lines]
    assert len(comments) > 60
    for line in comments:
        assert f"# {line}".rstrip() + "\n" in result.stdout, line
