"""Shell completion (issue 18): a real bash loads the script and completes [cmd.*] names."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from anysnake2 import _complete
from anysnake2.cli import BUILTINS
from tests.test_cli_frame import REPO, anysnake2


@pytest.fixture
def on_path(tmp_path: Path) -> dict[str, str]:
    """An `anysnake2` on PATH that runs this checkout."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    entry = bin_dir / "anysnake2"
    entry.write_text(
        f"#!/bin/sh\nPYTHONPATH={REPO} exec {sys.executable} -c "
        "'import sys; del sys.path[0]; from anysnake2._fast import main; sys.exit(main())' \"$@\"\n"
    )
    entry.chmod(0o755)
    return dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")


def _project(root: Path) -> Path:
    (root / "anysnake2.toml").write_text(
        '[cmd.jupyter]\nrun = "jupyter lab"\n\n[ cmd."justtest" ]\nrun = "pytest"\n\n'
        '[cmd.default]\nrun = "bash"\n[container]\nruntime = "bwrap"\n'
    )
    return root


def _bash(script: str, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return proc.stdout


def test_bash_loads_the_script_and_completes_project_commands(tmp_path, on_path) -> None:
    root = _project(tmp_path)
    out = _bash(
        'eval "$(anysnake2 completion bash)"\n'
        "complete -p anysnake2\n"
        "COMP_WORDS=(anysnake2 ju); COMP_CWORD=1; _anysnake2\n"
        'printf "reply:%s\\n" "${COMPREPLY[@]}"\n'
        'compgen -W "$(anysnake2 __complete 1 anysnake2 j)" -- j | sed "s/^/compgen:/"\n'
        "COMP_WORDS=(anysnake2 -v 0 build r); COMP_CWORD=4; _anysnake2\n"
        'printf "build:%s\\n" "${COMPREPLY[@]}"\n'
        "COMP_WORDS=(anysnake2 check --of); COMP_CWORD=2; _anysnake2\n"
        'printf "option:%s\\n" "${COMPREPLY[@]}"\n',
        root,
        on_path,
    )
    lines = out.splitlines()
    assert lines[0] == "complete -o default -F _anysnake2 anysnake2"
    assert [x for x in lines if x.startswith("reply:")] == ["reply:jupyter", "reply:justtest"]
    assert "compgen:jupyter" in lines and "compgen:justtest" in lines
    assert [x for x in lines if x.startswith("build:")] == ["build:rootfs"]
    assert [x for x in lines if x.startswith("option:")] == ["option:--offline"]


def test_completion_of_an_anysnake2_py_and_with_c(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "anysnake2.py").write_text(
        'from anysnake2 import Project\np = Project().cmd("notebook", "jupyter")'
        '.cmd(name="tests", run="pytest")\nraise SystemExit("never imported by a TAB")\n'
    )
    proc = anysnake2("__complete", "3", "anysnake2", "-c", "other", "", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    assert {"notebook", "tests", "build", "--offline"} <= set(proc.stdout.split())


def test_every_builtin_is_completed_and_a_tab_imports_little(tmp_path: Path) -> None:
    assert set(_complete.COMMAND_OPTIONS) == set(BUILTINS)
    proc = subprocess.run(
        [sys.executable, "-S", "-X", "importtime", "-c",  # -S: not site's own imports
         ("import sys; del sys.path[0]; from anysnake2._fast import main; "
          "sys.exit(main(['__complete', '1', 'anysnake2', '']))")],
        cwd=_project(tmp_path), env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    for module in ("anysnake2.cli", "anysnake2.model", "pathlib", "subprocess", "tomllib"):
        assert module not in imported, module
    assert "jupyter" in proc.stdout.split()


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_call_back_for_candidates(tmp_path: Path, shell: str) -> None:
    proc = anysnake2("completion", shell, cwd=tmp_path)
    assert proc.returncode == 0 and "anysnake2 __complete" in proc.stdout


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_parse(tmp_path: Path, shell: str) -> None:
    binary = shutil.which(shell)
    assert binary, f"{shell} is not installed: scripts/setup.sh installs it"
    script = tmp_path / f"completion.{shell}"
    script.write_text(anysnake2("completion", shell, cwd=tmp_path).stdout)
    check = [binary, "-n"] if shell == "zsh" else [binary, "--no-execute"]
    assert subprocess.run([*check, str(script)], check=False).returncode == 0


def test_completion_needs_a_known_shell(tmp_path: Path) -> None:
    proc = anysnake2("completion", "tcsh", cwd=tmp_path)
    assert proc.returncode == 64 and "bash, fish, zsh" in proc.stderr


def test_fish_completes_project_commands(tmp_path: Path, on_path: dict[str, str]) -> None:
    binary = shutil.which("fish")
    assert binary, "fish is not installed: scripts/setup.sh installs it"
    root = _project(tmp_path)
    proc = subprocess.run(
        [binary, "--no-config", "-c",
         ('anysnake2 completion fish | source; complete -C "anysnake2 ju"; '
          'echo ---; complete -C "anysnake2 build r"')],
        cwd=root, env=on_path, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    first, second = proc.stdout.split("---\n")
    assert first.split() == ["jupyter", "justtest"]
    assert second.split() == ["rootfs"]
