"""kill -9 anywhere, and many runs at once: the next normal run just works (real nix).

- `kill -9` of the whole process group at 20 points spread over `lock`, `build rootfs`
  and `run` (each with work to do: a changed pin, a new derivation that takes a moment to
  build); then a plain `run` succeeds with no manual cleanup, the user's files and clones
  are intact and `nix-store --verify-path` accepts the result;
- 10 `run -- true` started together in a freshly changed project: one nix build, all exit
  0, `.anysnake2_flake/` consistent (everything tracked is added, no git lock, no marker of
  an unfinished build, a valid flake.lock).

One project is reused for all kill points; the sleeps spread the kills over the command's
run time (they are not timing assertions).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import REPO, git, start_cli
from test_build import write_project

from anysnake2.toml_compat.reader import read_project_text

BUILD_SECONDS = 0.6  # how long the per-iteration derivation builds


class Project:
    """The reused project: a config with a clone and an extra flake, plus user files."""

    def __init__(self, base: Path, pkgs: dict[str, dict[str, str]]) -> None:
        self.root = base / "project"
        self.root.mkdir()
        self.pkgs = pkgs
        self.upstream = base / "upstream"
        self.upstream.mkdir()
        git("init", "-q", "-b", "master", self.upstream)
        (self.upstream / "flake.nix").write_text("{ outputs = { self }: { }; }\n")
        (self.upstream / "README").write_text("upstream\n")
        git("-C", self.upstream, "add", ".")
        git("-C", self.upstream, "commit", "-q", "-m", "one")
        self.spy = base / "spy"
        self.spy.mkdir()
        self.calls = base / "calls.log"
        real = subprocess.run(
            ["sh", "-c", "command -v nix"], capture_output=True, text=True, check=True
        ).stdout.strip()
        wrapper = self.spy / "nix"
        wrapper.write_text(f'#!/bin/sh\necho "nix $*" >> {self.calls}\nexec {real} "$@"\n')
        wrapper.chmod(0o755)
        self.env = dict(
            os.environ,
            PYTHONPATH=str(REPO),
            ANYSNAKE2_OFFLINE="0",
            NIX_CONFIG="substituters =",
            PATH=f"{self.spy}:{os.environ['PATH']}",
        )
        self.env.pop("TMUX", None)
        self.token = 0
        self.write(pinned=True)

    def write(self, *, pinned: bool) -> None:
        """The config with a new derivation (so nix has to build); the extra flake's rev
        left out unless `pinned` (so `lock` has to resolve and write it)."""
        self.token += 1
        overlay = (
            f'final: prev: {{ slow = final.runCommand "slow-{os.getpid()}-{time.time_ns()}" '
            f"{{ }} ''sleep {BUILD_SECONDS}; mkdir -p $out/bin; "
            "echo 'echo slow' > $out/bin/slow; chmod +x $out/bin/slow''; }"
        )
        config = write_project(self.root, self.pkgs, ["hello", "slow"], overlay)
        rev = git("-C", self.upstream, "rev-parse", "HEAD")
        text = config.read_text()
        text += f'\n[flakes.extra]\nurl = "git+file://{self.upstream}"\npackages = []\n'
        if pinned:
            text += f'rev = "{rev}"\n'
        text += f'\n[clones.code]\nup = "git+file://{self.upstream}"\n'
        config.write_text(text)

    def start(self, *args: str) -> subprocess.Popen[str]:
        return start_cli(
            *args,
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        proc = self.start(*args)
        out, err = proc.communicate(timeout=300)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture(scope="module")
def project(tmp_path_factory, offline_pkgs) -> Project:
    made = Project(tmp_path_factory.mktemp("crash"), offline_pkgs)
    proc = made.cli("run", "--", "true")
    assert proc.returncode == 0, proc.stderr
    (made.root / "notes.txt").write_text("my notes\n")
    (made.root / "code" / "up" / "mine.txt").write_text("my work in the clone\n")
    return made


def assert_intact(project: Project) -> None:
    root = project.root
    assert (root / "notes.txt").read_text() == "my notes\n"
    clone = root / "code" / "up"
    assert (clone / "mine.txt").read_text() == "my work in the clone\n"
    assert (clone / "README").read_text() == "upstream\n"
    assert git("-C", clone, "rev-parse", "HEAD") == git("-C", project.upstream, "rev-parse", "HEAD")
    read_project_text((root / "anysnake2.toml").read_text(), root / "anysnake2.toml")


def assert_result_verifies(project: Project) -> None:
    result = project.root / ".anysnake2_flake" / "result"
    store = os.path.realpath(result)
    proc = subprocess.run(
        ["nix-store", "--verify-path", store], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert (result / "rootfs" / "bin" / "slow").exists()


# (command, kill points as fractions of its run time): 7 + 7 + 6 = 20 kill points
KILLS = [
    (("lock",), 7),
    (("build", "rootfs"), 7),
    (("run", "--", "slow"), 6),
]


def duration(project: Project, command: tuple[str, ...]) -> float:
    """How long `command` takes with work to do (measured, to spread the kills over it)."""
    project.write(pinned=command != ("lock",))
    started = time.monotonic()
    proc = project.cli(*command)
    assert proc.returncode == 0, proc.stderr
    return time.monotonic() - started


@pytest.mark.parametrize(("command", "points"), KILLS, ids=["lock", "build-rootfs", "run"])
def test_kill_9_then_a_normal_run_recovers(project: Project, command, points) -> None:
    total = duration(project, command)
    hits = 0
    for n in range(points):
        project.write(pinned=command != ("lock",))
        proc = project.start(*command)
        time.sleep(total * 0.85 * (n + 0.5) / points)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        hits += proc.returncode == -signal.SIGKILL
        again = project.cli("run", "--", "slow")
        assert again.returncode == 0, (command, n, again.stderr)
        assert "slow" in again.stdout
        assert "bug in anysnake2" not in again.stderr
        assert_intact(project)
        assert_result_verifies(project)
    # a loaded machine may finish a command before its last kill point, not before most
    assert hits >= points - 2, f"{command}: only {hits} of {points} kills hit a running process"


def test_ten_runs_at_once_build_once(project: Project) -> None:
    project.write(pinned=True)
    project.calls.unlink(missing_ok=True)
    procs = [project.start("run", "--", "true") for _ in range(10)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 10, outputs
    builds = [c for c in project.calls.read_text().splitlines() if " build " in f"{c} "]
    assert len(builds) == 1, builds
    flake_dir = project.root / ".anysnake2_flake"
    assert not (flake_dir / ".git" / "index.lock").exists()
    assert not (flake_dir / ".build_unfinished").exists()
    json.loads((flake_dir / "flake.lock").read_text())
    diff = subprocess.run(["git", "-C", str(flake_dir), "diff", "--quiet"], check=False)
    assert diff.returncode == 0, "a tracked file of the flake folder differs from the index"
    assert_result_verifies(project)
    assert_intact(project)
