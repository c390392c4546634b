"""The CLI frame: global options, config discovery, exit codes, lazy imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ORIGINAL_CONFIGS, cli_argv, cli_env, run_cli

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("sh", "requests", "jinja2", "typeguard", "tomlkit", "tomllib", "dataclasses", "argparse")


def anysnake2(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=cwd, env=dict(os.environ, **(env or {})), timeout=120)


def test_version_works_without_config(tmp_path: Path) -> None:
    from anysnake2 import __version__

    for args in (["version"], ["--version"]):
        proc = anysnake2(*args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"anysnake2 {__version__}"


def test_missing_config_is_66_and_names_what_was_searched(tmp_path: Path) -> None:
    proc = anysnake2("check", cwd=tmp_path)
    assert proc.returncode == 66
    assert "anysnake2.toml" in proc.stderr and "anysnake2.py" in proc.stderr
    assert str(tmp_path) in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_explicit_config_is_66(tmp_path: Path) -> None:
    proc = anysnake2("-c", "nope/anysnake2.toml", "check", cwd=tmp_path)
    assert proc.returncode == 66
    assert "nope/anysnake2.toml" in proc.stderr


def test_both_config_kinds_is_65_naming_both(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.toml").write_text("")
    (tmp_path / "anysnake2.py").write_text("")
    proc = anysnake2("check", cwd=tmp_path)
    assert proc.returncode == 65
    assert "anysnake2.toml" in proc.stderr and "anysnake2.py" in proc.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--frobnicate"], "unknown option --frobnicate"),
        (["-v", "loud", "version"], "-v takes a whole number"),
        (["-c"], "-c needs a value"),
    ],
)
def test_usage_errors_are_64(tmp_path: Path, args: list[str], fragment: str) -> None:
    proc = anysnake2(*args, cwd=tmp_path)
    assert proc.returncode == 64
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_lists_only_commands_that_exist(tmp_path: Path) -> None:
    from anysnake2.cli import available_builtins

    proc = anysnake2("help", cwd=tmp_path)
    assert proc.returncode == 0
    listed = [
        line.split()[0]
        for line in proc.stdout.splitlines()
        if line.startswith("  ") and not line.startswith("  -")
    ]
    for name in available_builtins():
        assert name in listed
    assert "version" in listed and "help" in listed


def test_version_imports_nothing_heavy(tmp_path: Path) -> None:
    """The start-up path stays light: `python -X importtime -m anysnake2 version`."""
    proc = subprocess.run(
        # deliberately `python -m anysnake2` (the other import test takes the console way)
        [sys.executable, "-X", "importtime", "-m", "anysnake2", "version"],
        check=False,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    for module in HEAVY:
        assert module not in imported, f"{module} imported on the start-up path"


@pytest.mark.needs_shared
def test_the_shared_original_configs_are_found() -> None:
    """The table-driven tests read ../shared beside the checkout; all 40 files must be there
    (an empty folder would silently run no cases)."""
    originals = ORIGINAL_CONFIGS
    assert len(list(originals.glob("*.toml"))) == 40


@pytest.mark.parametrize(
    ("config", "fast"),
    [
        (None, True),
        ('[anysnake2]\nversion = "@V@"\n', True),
        ('[anysnake2]\nversion = "dev" # comment\n', True),
        ('[nixpkgs]\nrev = "24.05"\n', True),
        ('[anysnake2]\nversion = "0.0.1"\n', False),
        ('anysnake2.version = "0.0.1"\n', False),
        ('anysnake2 = { version = "0.0.1" }\n', False),
    ],
)
def test_version_takes_the_short_way_only_without_another_pin(
    tmp_path: Path, config: str | None, fast: bool
) -> None:
    """`version` skips the CLI (its imports) unless the project pins another version."""
    from anysnake2 import __version__

    if config is not None:
        (tmp_path / "anysnake2.toml").write_text(config.replace("@V@", __version__))
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *cli_argv("version")[1:]],
        cwd=tmp_path, env=cli_env(),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert ("anysnake2.cli" not in imported) == fast, proc.stderr[-500:]
    if fast:
        assert proc.stdout == f"anysnake2 {__version__}\n"
