"""Hostile configs (issue 21): no traceback, a sysexit, and the file and line of the cause."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli_frame import anysnake2


def _write(root: Path, data: str | bytes) -> Path:
    path = root / "anysnake2.toml"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


def _refused(proc, line: int, column: int | None = None) -> None:  # noqa: ANN001
    assert proc.returncode == 65, proc.stderr
    assert "Traceback" not in proc.stderr
    where = f"anysnake2.toml:{line}" + (f":{column}:" if column else ":")
    assert where in proc.stderr, proc.stderr


# -- 1: the config read as bytes once ---------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "build", "version", "convert"])
def test_a_config_that_is_not_utf8_names_line_and_column(tmp_path: Path, command: str) -> None:
    root = _write(tmp_path, b'[anysnake2]\nversion = "dev"\n[nixpkgs]\nrev = "a\xe9"\n')
    args = [command, "--to", "python"] if command == "convert" else [command]
    proc = anysnake2(*args, cwd=root)
    if command == "version":  # needs no config: it must not crash on it either
        assert proc.returncode == 0, proc.stderr
        return
    _refused(proc, 4, 9)
    assert "not UTF-8" in proc.stderr


# -- 2: the anysnake2 version, before any restart ---------------------------------------------


@pytest.mark.parametrize("version", ["banana", "\\u0000", "\\u202e1.0", "1.0\\u0000"])
@pytest.mark.parametrize("command", ["check", "build", "lock"])
def test_a_version_that_is_not_one_is_65_before_any_restart(
    tmp_path: Path, version: str, command: str
) -> None:
    root = _write(
        tmp_path, f'[anysnake2]\nversion = "{version}"\nfind_links = "{tmp_path}"\n'
    )
    proc = anysnake2(command, cwd=root)
    _refused(proc, 2)
    assert "restarting" not in proc.stderr


@pytest.mark.parametrize("command", [["check"], ["version"], ["convert", "--to", "python"],
                                     ["config", "minimal"], ["help"]])
def test_reading_commands_never_restart(tmp_path: Path, command: list[str]) -> None:
    root = _write(
        tmp_path,
        f'[anysnake2]\nversion = "9.9.9"\nfind_links = "{tmp_path}"\n'
        '[nixpkgs]\nurl = "github:NixOS/nixpkgs"\nrev = "' + "a" * 40 + '"\n',
    )
    proc = anysnake2(*command, cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "restarting" not in proc.stderr


@pytest.mark.parametrize("key", ["find_links", "index_url"])
def test_a_nul_in_a_version_source_is_65(tmp_path: Path, key: str) -> None:
    root = _write(tmp_path, f'[anysnake2]\nversion = "9.9.9"\n{key} = "/x\\u0000"\n')
    _refused(anysnake2("build", cwd=root), 3)
