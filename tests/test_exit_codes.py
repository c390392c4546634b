"""README's table of exit codes, row by row (issue 18). Rows that need a real nix build or a
terminal are tested where that harness lives; this file names them and checks the rest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anysnake2 import __version__, errors
from tests.test_cli_frame import REPO, anysnake2

PINNED = f'[anysnake2]\nversion = "{__version__}"\n\n'
NIXPKGS = f'[nixpkgs]\nurl = "github:NixOS/nixpkgs"\nrev = "{"a" * 40}"\n'

#: Rows tested elsewhere, with a real nix build or a real terminal.
ELSEWHERE = {
    "69": "tests/test_build.py::test_nix_missing_is_69, "
    "tests/test_sessions.py::test_develop_passes_every_argument_and_reports_missing_programs",
    "70": "tests/test_build_errors.py::test_a_failed_build_shows_the_log_once",
    "75": "tests/test_build_errors.py::test_a_download_failure_during_the_build_is_75",
    "74": "tests/test_faults.py::test_a_full_disk_is_74_and_the_next_run_recovers",
    "77": "tests/test_faults.py::test_an_unreadable_config_is_77_naming_it",
    "128+N": "tests/test_sessions.py::test_ctrl_c_runs_post_run_inside_every_time",
}


def _table() -> dict[str, str]:
    text = (REPO / "README.md").read_text()
    section = text.split("## Exit codes", 1)[1]
    return dict(re.findall(r"^\| (\d+(?:\+N)?) \| ([^|]+) \|", section, re.MULTILINE))


def test_the_table_has_the_codes_the_code_uses() -> None:
    table = _table()
    codes = ["0", "1", "64", "65", "66", "69", "70", "73", "74", "75", "77", "128+N"]
    assert sorted(table) == sorted(codes), table
    classes = [getattr(errors, name) for name in errors.__all__ if name.endswith("Error")]
    used = {str(cls.exit_code) for cls in classes}
    from anysnake2.commands.attach import NoSessionError

    used.add(str(NoSessionError.exit_code))
    assert used <= set(table), used - set(table)


def _project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "anysnake2.toml").write_text(PINNED + text)
    return tmp_path


def test_row_0_success(tmp_path: Path) -> None:
    assert anysnake2("version", cwd=tmp_path).returncode == 0


def test_row_1_attach_without_a_session(tmp_path: Path) -> None:
    proc = anysnake2("attach", cwd=_project(tmp_path, NIXPKGS))
    assert proc.returncode == 1, proc.stderr
    assert "no session to attach to" in proc.stderr


@pytest.mark.parametrize(
    "args", [["check", "--frobnicate"], ["-v", "7", "version"], ["develop", "foo"]]
)
def test_row_64_usage(tmp_path: Path, args: list[str]) -> None:
    proc = anysnake2(*args, cwd=_project(tmp_path, NIXPKGS))
    assert proc.returncode == 64, proc.stderr


def test_row_65_wrong_config(tmp_path: Path) -> None:
    proc = anysnake2("check", cwd=_project(tmp_path, NIXPKGS + "[nixpgks]\n"))
    assert proc.returncode == 65, proc.stderr
    assert "anysnake2.toml:" in proc.stderr


def test_row_66_no_config(tmp_path: Path) -> None:
    assert anysnake2("check", cwd=tmp_path).returncode == 66


def test_row_69_a_tool_missing(tmp_path: Path) -> None:
    root = _project(tmp_path, NIXPKGS)
    proc = anysnake2("develop", cwd=root, env={"PATH": str(tmp_path / "empty")})
    assert proc.returncode == 69, proc.stderr
    assert "was not found on PATH" in proc.stderr


def test_row_70_an_external_step_failed(tmp_path: Path) -> None:
    root = _project(tmp_path, NIXPKGS + f'[clones.code]\nrepo = "git+file://{tmp_path}/nope"\n')
    proc = anysnake2("build", "flake", cwd=root)
    assert proc.returncode == 70, proc.stderr
    assert "Failed to clone code/repo" in proc.stderr


def test_row_73_cannot_create(tmp_path: Path) -> None:
    proc = anysnake2(
        "convert", "--to", "python", "-o", "/nonexistent/dir/x.py", cwd=_project(tmp_path, NIXPKGS)
    )
    assert proc.returncode == 73, proc.stderr
    assert "cannot create /nonexistent/dir/x.py" in proc.stderr


def test_row_75_offline_refusal(tmp_path: Path) -> None:
    text = NIXPKGS + '[clones.code]\nrepo = "github:nobody/nothing"\n'
    proc = anysnake2("--offline", "build", "flake", cwd=_project(tmp_path, text))
    assert proc.returncode == 75, proc.stderr


def test_rows_tested_elsewhere_exist() -> None:
    for where in ELSEWHERE.values():
        for item in where.split(", "):
            path, name = item.split("::")
            assert f"def {name}(" in (REPO / path).read_text(), item
