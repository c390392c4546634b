"""Per-command help and global options anywhere (issue 18, items 1 and 2). No nix here."""

from __future__ import annotations

from pathlib import Path

import pytest

from anysnake2.cli import BUILTINS, available_builtins
from anysnake2.commands.usage import USAGE
from tests.test_cli_frame import anysnake2

HELP_ARGS = (["--help"], ["-h"])


def test_every_builtin_has_a_usage_text_with_an_example() -> None:
    for name in available_builtins():
        text = USAGE[name]
        assert text.startswith(f"usage: anysnake2 {name}"), name
        assert "\nexample:\n  anysnake2 " in text or "\n  eval " in text, name


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_command_help_three_ways(tmp_path: Path, name: str) -> None:
    if name not in available_builtins():
        pytest.fail(f"{name} is listed but has no module")
    outputs = set()
    for args in ([name, "--help"], [name, "-h"], ["help", name], ["-h", name]):
        proc = anysnake2(*args, cwd=tmp_path)  # no config here: help needs none
        assert proc.returncode == 0, (args, proc.stderr)
        assert proc.stdout.startswith(f"usage: anysnake2 {name}"), (args, proc.stdout)
        assert "example:" in proc.stdout and "--offline" in proc.stdout  # globals too
        outputs.add(proc.stdout)
    assert len(outputs) == 1


def test_help_after_a_build_target_and_among_other_args(tmp_path: Path) -> None:
    proc = anysnake2("build", "rootfs", "--help", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: anysnake2 build")
    proc = anysnake2("lock", "--upgrade", "nixpkgs", "-h", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: anysnake2 lock")


def test_help_for_an_unknown_command_is_64(tmp_path: Path) -> None:
    proc = anysnake2("help", "frobnicate", cwd=tmp_path)
    assert proc.returncode == 64
    assert "not a built-in command" in proc.stderr and "Traceback" not in proc.stderr


def test_run_help_is_ours_but_after_the_separator_it_belongs_to_the_container(
    tmp_path: Path,
) -> None:
    proc = anysnake2("run", "--help", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: anysnake2 run")
    # After `--` it is the container's: here the project is missing, so the run is
    # attempted (66), not answered with help.
    proc = anysnake2("run", "--", "--help", cwd=tmp_path)
    assert proc.returncode == 66, proc.stderr
    assert "usage:" not in proc.stdout
    proc = anysnake2("run", "python", "--help", cwd=tmp_path)
    assert proc.returncode == 66 and "usage:" not in proc.stdout


def _project(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "anysnake2.toml").write_text(
        '[nixpkgs]\nurl = "github:NixOS/nixpkgs"\nrev = "' + "a" * 40 + '"\n' + extra
    )
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ["check", "-v", "0"],
        ["check", "--verbose=0"],
        ["-v", "0", "check"],
        ["check", "--offline", "--locked", "-v", "0", "--no-version-switch"],
    ],
)
def test_global_options_after_the_command(tmp_path: Path, args: list[str]) -> None:
    root = _project(tmp_path, '[python]\nversion = "3.12"\n')
    proc = anysnake2(*args, cwd=root)
    if "--locked" in args:
        assert proc.returncode == 65, proc.stderr  # --locked reached check: lock missing
        assert "--locked" in proc.stderr
    else:
        assert proc.returncode == 0, proc.stderr
        assert "anysnake2.toml: ok" in proc.stdout


def test_config_option_after_the_command(tmp_path: Path) -> None:
    root = _project(tmp_path / "elsewhere") if (tmp_path / "elsewhere").mkdir() is None else None
    proc = anysnake2("check", "-c", "elsewhere", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert str(root / "anysnake2.toml") in proc.stdout


def test_globals_after_the_command_do_not_reach_project_commands_or_run_argv(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`run -- ... -v 0`: the container's; `NAME --offline`: the [cmd.NAME] script's."""
    from anysnake2.cli import _parse_globals

    monkeypatch.setenv("ANYSNAKE2_OFFLINE", "0")  # recorded, so what --offline sets is undone

    ctx, rest = _parse_globals(["run", "--offline", "--", "ls", "-v", "0", "--offline"])
    assert rest == ["run", "--", "ls", "-v", "0", "--offline"] and ctx.verbosity == 2
    ctx, rest = _parse_globals(["jupyter", "-v", "0"])
    assert rest == ["jupyter", "-v", "0"] and ctx.verbosity == 2
    ctx, rest = _parse_globals(["develop", "-v", "3", "-c", "ls", "-v", "0", "-c", "x"])
    assert rest == ["develop", "-c", "ls", "-v", "0", "-c", "x"] and ctx.verbosity == 3
    # submit: options and their values are submit's, words from CMD on are the job's
    ctx, rest = _parse_globals(["submit", "--offline", "--array", "s.txt", "align", "-v", "0"])
    assert rest == ["submit", "--array", "s.txt", "align", "-v", "0"] and ctx.verbosity == 2


@pytest.mark.parametrize("value", ["4", "7", "-1", "loud"])
def test_verbosity_outside_what_the_help_says_is_64(tmp_path: Path, value: str) -> None:
    proc = anysnake2("-v", value, "version", cwd=tmp_path)
    assert proc.returncode == 64, proc.stdout
    assert "-v takes a whole number 0-3" in proc.stderr
    help_text = anysnake2("help", cwd=tmp_path).stdout
    assert "0 quiet, 1 warnings, 2 info (default), 3 debug" in help_text


def test_unknown_option_after_a_command_is_still_the_commands_usage_error(tmp_path: Path) -> None:
    proc = anysnake2("build", "flake", "--frobnicate", cwd=_project(tmp_path))
    assert proc.returncode == 64
    assert "--frobnicate" in proc.stderr


def test_help_for_a_project_command_shows_what_it_runs(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        '[cmd.jupyter]\nrun = "jupyter lab --port 8888"\npost_run_inside = "echo done"\n',
    )
    proc = anysnake2("help", "jupyter", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: anysnake2 jupyter [ARGS...]")
    assert "  jupyter lab --port 8888" in proc.stdout and "hooks: post_run_inside" in proc.stdout
    assert anysnake2("help", "nope", cwd=root).returncode == 64
