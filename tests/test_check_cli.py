"""`anysnake2 check` on all 40 configs of the original, and `anysnake2 config`.

Runs the real CLI (`python -m anysnake2`) in a subprocess, in a temporary copy of each
file (the shared reference folder is read-only in CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
from conftest import ORIGINAL_CONFIGS as ORIGINALS
from conftest import run_cli

# file -> None (exit 0) or (mach-nix-only key named, its replacement named in the hint)
# or ([python] on a nixpkgs release below uv2nix's minimum, the minimum named in the hint)


def UV2NIX_MIN(release: str) -> str:
    return f"[python] needs nixpkgs 22.11 or newer, but [nixpkgs] names release {release}"


EXPECTED: dict[str, tuple[str, str] | None] = {
    "1.15.5__basic.toml": (UV2NIX_MIN("21.05"), "22.11"),
    "1.15.5__dev.toml": (UV2NIX_MIN("21.05"), "22.11"),
    "1.15.5__docker.toml": (UV2NIX_MIN("21.11"), "22.11"),
    "1.15.5__flake_auto_rev.toml": None,
    "1.15.5__flake_in_non_root_github.toml": None,
    "1.15.5__full.toml": ("additional_mkpython_arguments_func", "override_attrs"),
    "1.15.5__github_tarballs_can_be_unstable.toml": (UV2NIX_MIN("21.05"), "22.11"),
    "1.15.5__just_python.toml": (UV2NIX_MIN("22.05"), "22.11"),
    "1.15.5__just_python_discover_newest_revision.toml": (UV2NIX_MIN("21.05"), "22.11"),
    "1.15.5__just_python_local_package_requirements.toml": (UV2NIX_MIN("21.05"), "22.11"),
    "1.15.5__just_python_package_from_flake.toml": ('method = "useFlake"', "[flakes."),
    "1.15.5__just_python_package_from_pypi.toml": (
        "buildPythonPackage_arguments",
        "override_attrs",
    ),
    "1.15.5__just_python_trust_on_first_use.toml": (UV2NIX_MIN("21.05"), "22.11"),
    "1.15.5__just_r.toml": None,
    "1.15.5__minimal.toml": None,
    "1.15.5__python_310_nixpkgs_2205.toml": (UV2NIX_MIN("22.05"), "22.11"),
    "1.15.5__python_buildPackage_interdependency_with_overrides.toml": (
        UV2NIX_MIN("22.05"),
        "22.11",
    ),
    "1.15.5__test_python_pulled_by_other_editable.toml": (UV2NIX_MIN("21.05"), "22.11"),
    "2.3.6__basic.toml": None,
    "2.3.6__docker.toml": None,
    "2.3.6__flake_auto_rev.toml": None,
    "2.3.6__flake_in_non_root_github.toml": None,
    "2.3.6__flake_subdependency.toml": None,
    "2.3.6__full.toml": None,
    "2.3.6__github_tarballs_can_be_unstable.toml": None,
    "2.3.6__jupyter7.toml": None,
    "2.3.6__just_python.toml": None,
    "2.3.6__just_python_discover_newest_revision.toml": None,
    "2.3.6__just_python_package_from_pypi.toml": None,
    "2.3.6__just_python_poetry2nix_escape_hatch.toml": None,
    "2.3.6__just_python_trust_on_first_use.toml": None,
    "2.3.6__just_r.toml": None,
    "2.3.6__minimal.toml": None,
    "2.3.6__minimal_rust.toml": None,
    "2.3.6__python_310_nixpkgs_2205.toml": (UV2NIX_MIN("22.05"), "22.11"),
    "2.3.6__python_buildPackage_interdependency_with_overrides.toml": None,
    "2.3.6__test_python_editable_venv_path.toml": None,
    "2.3.6__test_python_pulled_by_other_editable.toml": None,
    "2.3.6__toml_reformatter_expected_output.toml": None,
    "2.3.6__toml_reformatter_input.toml": None,
}


def anysnake2(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("ANYSNAKE2_OFFLINE", None)
    return run_cli(*args, cwd=cwd, env=env, timeout=60)


@pytest.mark.needs_shared
def test_the_table_covers_all_40_files():
    assert sorted(p.name for p in ORIGINALS.glob("*.toml")) == sorted(EXPECTED)
    assert len(EXPECTED) == 40


@pytest.mark.needs_shared
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_on_original_config(tmp_path, name):
    shutil.copyfile(ORIGINALS / name, tmp_path / name)
    result = anysnake2(tmp_path, "-c", name, "check")
    assert "Traceback" not in result.stderr
    expected = EXPECTED[name]
    if expected is None:
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"{tmp_path / name}: ok\n")
        assert "error" not in result.stderr
    else:
        key, replacement = expected
        assert result.returncode == 65, result.stderr
        error = result.stderr[result.stderr.index("error: ") :]  # after any warnings
        assert error.startswith(f"error: {tmp_path / name}:")
        message, hint = error.split("\n  hint: ")
        assert key in message
        assert replacement in hint


@pytest.mark.needs_shared
def test_check_summary_and_warnings(tmp_path):
    name = "2.3.6__full.toml"
    shutil.copyfile(ORIGINALS / name, tmp_path / "anysnake2.toml")
    result = anysnake2(tmp_path, "check")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"{tmp_path / 'anysnake2.toml'}: ok"
    assert "  python: 3.12, ecosystem date 2024-08-09; 9 packages (2 editable)" in lines
    assert "  R: date 2024-05-10; 3 packages" in lines
    assert "  commands: default, jupyter, shell, test_R, test_rpy2" in lines
    assert lines[-1] == (
        "  to resolve and record at the next build or 'anysnake2 lock': "
        "nixpkgs (github:NixOS/nixpkgs, tag or branch 24.11); "
        "outside_nixpkgs (github:NixOS/nixpkgs, tag or branch 24.05)"
    )
    assert "warning: " in result.stderr
    assert "[ancient_poetry] has no effect here" in result.stderr
    assert (
        "flakes.STAR.rev = '8d50ea4a3e1a1e69ba9f7c1981913e4862ab49ef' is ignored" in result.stderr
    )
    quiet = anysnake2(tmp_path, "-v", "0", "check")
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_check_error_shows_file_and_line_without_traceback(tmp_path):
    (tmp_path / "anysnake2.toml").write_text('[nixpkgs]\nrev = "24.05"\npakages = ["fish"]\n')
    result = anysnake2(tmp_path, "check")
    assert result.returncode == 65
    assert result.stderr == (
        f"error: {tmp_path / 'anysnake2.toml'}:3: unknown key 'pakages' in [nixpkgs]\n"
        "  hint: did you mean 'packages'?\n"
    )


def test_check_malformed_toml(tmp_path):
    (tmp_path / "anysnake2.toml").write_text('[nixpkgs]\nrev = "24.05\n')
    result = anysnake2(tmp_path, "check")
    assert result.returncode == 65
    assert result.stderr.startswith(f"error: {tmp_path / 'anysnake2.toml'}:2:13: not valid TOML")


def test_check_takes_no_arguments(tmp_path):
    (tmp_path / "anysnake2.toml").write_text("")
    result = anysnake2(tmp_path, "check", "extra")
    assert result.returncode == 64 and "check takes no arguments" in result.stderr


# --- config ------------------------------------------------------------------------------


def test_examples_anysnake2_toml_is_the_packaged_full_example():
    packaged = (REPO / "anysnake2" / "examples" / "full.toml").read_bytes()
    assert (REPO / "examples" / "anysnake2.toml").read_bytes() == packaged


@pytest.mark.parametrize("name", ["minimal", "basic", "full"])
def test_config_prints_the_example_and_it_checks(tmp_path, name):
    result = anysnake2(tmp_path, "config", name)
    assert result.returncode == 0
    assert result.stdout == (REPO / "anysnake2" / "examples" / f"{name}.toml").read_text()
    (tmp_path / "anysnake2.toml").write_text(result.stdout)
    check = anysnake2(tmp_path, "check")
    assert check.returncode == 0, check.stderr
    assert check.stderr == ""  # our own examples use no key without effect


def test_config_full_is_examples_anysnake2_toml(tmp_path):
    result = anysnake2(tmp_path, "config", "full")
    assert result.stdout == (REPO / "examples" / "anysnake2.toml").read_text()


def test_full_example_documents_every_key_of_the_format():
    from anysnake2 import model as m
    from anysnake2._schema import toml_names
    from anysnake2.toml_compat import reader

    text = (REPO / "examples" / "anysnake2.toml").read_text()
    data = reader._toml.loads(text)
    legacy = {"devShell", "devshell", "flake-util", "pyproject_build_systems"}
    legacy |= {"uv2nix_override_collection"}
    legacy |= set(reader.IGNORED_SECTIONS)
    assert set(data) == set(reader.SECTIONS) - legacy
    assert set(data["anysnake2"]) == set(toml_names(m.AnysnakeSettings)) - {
        "rev",
        "url",
        "url2",
        "use_binary",
    }
    assert set(data["nixpkgs"]) == set(toml_names(m.Nixpkgs))
    assert set(data["R"]) == set(toml_names(m.R)) - {"ecosystem_tag"}  # date xor ecosystem_tag
    assert "ecosystem_tag" in text
    assert set(data["container"]) == set(toml_names(m.Container))
    assert set(data["cmd"]["default"]) == set(toml_names(m.Command))
    assert set(data["flakes"]["hello"]) | set(data["flakes"]["STAR"]) == set(toml_names(m.Flake))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "which example? minimal, basic or full"),
        (["huge"], "unknown example 'huge'"),
        (["full", "--format", "yaml"], "unknown format 'yaml'"),
        (["full", "--format"], "--format needs a value"),
    ],
)
def test_config_usage_errors(tmp_path, args, message):
    result = anysnake2(tmp_path, "config", *args)
    assert result.returncode == 64
    assert message in result.stderr and "Traceback" not in result.stderr


def test_config_python_format(tmp_path):
    result = anysnake2(tmp_path, "config", "basic", "--format", "python")
    assert result.returncode == 0, result.stderr
    assert "from anysnake2 import Project" in result.stdout
    assert '.python("3.12", ecosystem_date="2024-05-01")' in result.stdout
