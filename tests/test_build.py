"""Building with real nix against the offline package set: what a user relies on.

- `build rootfs` gives a rootfs whose bin/ holds the configured packages;
- an unchanged project starts no nix/git/uv process (warm decision);
- a changed package list rebuilds; a build interrupted midway is redone;
- two runs started together build once; garbage collection leaves the project runnable.

The garbage-collection test asks nix what a collection would delete (`--print-dead`)
rather than collecting: the store is shared with everything else on the machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from conftest import run_cli, start_cli

REPO = Path(__file__).resolve().parent.parent
TQ = "'" * 3  # a TOML multi-line literal string


def write_project(
    root: Path, pkgs: dict[str, dict[str, str]], packages: list[str], overlay: str = ""
) -> Path:
    nixpkgs = pkgs["nixpkgs"]
    listed = ", ".join(f'"{p}"' for p in packages)
    config = root / "anysnake2.toml"
    text = f'[nixpkgs]\nurl = "{nixpkgs["url"]}"\nrev = "{nixpkgs["rev"]}"\npackages = [{listed}]\n'
    if overlay:
        text += "overlay = " + TQ + overlay + TQ + "\n"
    config.write_text(text + '\n[container]\nruntime = "bwrap"\n')
    return config


@pytest.fixture
def spy_path(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """PATH with recording wrappers around nix, nix-store, git and uv (each appends its
    argv to calls.log, then runs the real tool)."""
    spy = tmp_path / "spy-bin"
    spy.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("nix", "nix-store", "git", "uv"):
        real = shutil.which(tool) or f"/nonexistent/{tool}"
        wrapper = spy / tool
        wrapper.write_text(f'#!/bin/sh\necho "{tool} $*" >> {log}\nexec {real} "$@"\n')
        wrapper.chmod(0o755)
    env = dict(
        os.environ,
        PATH=f"{spy}:{os.environ['PATH']}",
        PYTHONPATH=str(REPO),
        ANYSNAKE2_OFFLINE="1",
    )
    env.pop("TMUX", None)
    return env, log


def anysnake2(root: Path, env: dict[str, str], *args: str, **kw) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=root, env=env, **kw)


def calls(log: Path, tool: str) -> list[str]:
    if not log.exists():
        return []
    return [line for line in log.read_text().splitlines() if line.split(" ", 1)[0] == tool]


def test_build_rootfs_holds_the_configured_packages(tmp_path, offline_pkgs, spy_path) -> None:
    env, _ = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["hello", "cowsay"])
    proc = anysnake2(root, env, "build", "rootfs")
    assert proc.returncode == 0, proc.stderr
    rootfs = root / ".anysnake2_flake" / "result" / "rootfs"
    for tool in ("hello", "cowsay", "bash", "ls"):
        assert (rootfs / "bin" / tool).exists(), tool
    assert os.readlink(rootfs / "usr" / "bin") == "/bin"  # resolves inside the container
    assert not (root / ".anysnake2_flake" / ".build_unfinished").exists()


def test_unchanged_project_starts_no_nix_git_or_uv(tmp_path, offline_pkgs, spy_path) -> None:
    env, log = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["hello"])
    first = anysnake2(root, env, "run", "--", "hello")
    assert first.returncode == 0, first.stderr
    assert "Hello, world!" in first.stdout
    assert calls(log, "nix"), "the first run builds with nix"
    log.unlink()
    second = anysnake2(root, env, "run", "--", "hello")
    assert second.returncode == 0, second.stderr
    assert "Hello, world!" in second.stdout
    assert not log.exists(), log.read_text()
    # A comment changes the bytes: the full path runs, renders the same flake, builds nothing.
    with open(root / "anysnake2.toml", "a") as handle:
        handle.write("# a comment\n")
    third = anysnake2(root, env, "run", "--", "hello")
    assert third.returncode == 0, third.stderr
    assert not [c for c in calls(log, "nix") if " build " in f" {c} "]


def test_changing_a_package_rebuilds(tmp_path, offline_pkgs, spy_path) -> None:
    env, log = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["hello"])
    assert anysnake2(root, env, "build", "rootfs").returncode == 0
    rootfs = root / ".anysnake2_flake" / "result" / "rootfs"
    assert not (rootfs / "bin" / "cowsay").exists()
    write_project(root, offline_pkgs, ["hello", "cowsay"])
    proc = anysnake2(root, env, "run", "--", "cowsay", "moo")
    assert proc.returncode == 0, proc.stderr
    assert "moo" in proc.stdout
    assert any(" build " in f" {c} " for c in calls(log, "nix"))
    assert (root / ".anysnake2_flake" / "flake.nix.old").exists()


def test_interrupted_build_is_redone(tmp_path, offline_pkgs, spy_path) -> None:
    env, _ = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["hello"])
    assert anysnake2(root, env, "build", "rootfs").returncode == 0
    # A derivation no earlier run can have built: it says it started, then waits until the
    # test releases it (nix builds unsandboxed here), so the build is caught midway.
    token = f"{os.getpid()}-{time.time_ns()}"
    # nix's build users cannot enter pytest's private tmp_path: a world-writable folder
    sync = Path(tempfile.mkdtemp(prefix="anysnake2-build-sync-"))
    sync.chmod(0o777)
    started, release = sync / "started", sync / "release"
    overlay = (
        f'final: prev: {{ sleeper = final.runCommand "sleeper-{token}" {{ }} '
        f"''touch {started}; while ! test -e {release}; do sleep 0.1; done; "
        "mkdir -p $out/bin; echo 'echo slept' > $out/bin/sleeper''; }"
    )
    write_project(root, offline_pkgs, ["hello", "sleeper"], overlay)
    proc = start_cli(
        "build",
        "rootfs",
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    marker = root / ".anysnake2_flake" / ".build_unfinished"
    deadline = time.monotonic() + 300  # a bound for a loaded machine, not a timing claim
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert started.exists(), "the build never started"
    assert marker.exists()
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    proc.wait(timeout=60)
    assert marker.exists(), "an interrupted build must leave its marker"
    release.touch()
    # Even with the old rootfs still in place and the flake unchanged, the next run builds.
    again = anysnake2(root, env, "build", "rootfs")
    assert again.returncode == 0, again.stderr
    assert "an earlier build did not finish" in again.stderr
    assert not marker.exists()
    assert (root / ".anysnake2_flake" / "result" / "rootfs" / "bin" / "sleeper").exists()
    shutil.rmtree(sync)


def test_two_runs_started_together_build_once(tmp_path, offline_pkgs, spy_path) -> None:
    env, log = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["hello", "tools.nested.hello2"])
    procs = [
        start_cli(
            "run", "--", "hello2", cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    builds = [c for c in calls(log, "nix") if " build " in f" {c} "]
    assert len(builds) == 1, builds
    assert all("Hello from tools.nested.hello2!" in out for out, _ in outputs)


def test_garbage_collection_leaves_the_project_runnable(tmp_path, offline_pkgs, spy_path) -> None:
    """Ask nix what a garbage collection would delete (`--print-dead`): nothing the project
    needs (the rootfs closure, the flake inputs) may be in that list. Asking instead of
    collecting keeps the machine's shared store intact for everything else."""
    env, _ = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["hello"])
    assert anysnake2(root, env, "build", "rootfs").returncode == 0
    roots = sorted((root / ".anysnake2_flake" / ".gcroots").iterdir())
    assert any(r.name == "input-nixpkgs" for r in roots), roots
    rootfs_store = (root / ".anysnake2_flake" / "result").resolve()
    closure = subprocess.run(
        ["nix-store", "-qR", str(rootfs_store)], capture_output=True, text=True, check=True
    ).stdout.split()
    needed = set(closure) | {os.readlink(link) for link in roots}
    dead = subprocess.run(
        ["nix-store", "--gc", "--print-dead"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert rootfs_store.as_posix() in closure
    assert not needed & set(dead), sorted(needed & set(dead))
    warm = anysnake2(root, env, "run", "--", "hello")
    assert warm.returncode == 0, warm.stderr
    assert "Hello, world!" in warm.stdout


def test_failed_build_exits_70_with_log_tail(tmp_path, offline_pkgs, spy_path) -> None:
    env, _ = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["failing"])
    proc = anysnake2(root, env, "build", "rootfs")
    assert proc.returncode == 70
    assert "nix build of rootfs failed" in proc.stderr
    assert "building failing..." in proc.stderr or "line 20" in proc.stderr
    assert str(root / ".anysnake2_flake" / "build.log") in proc.stderr
    assert "Traceback" not in proc.stderr


def test_nix_missing_is_69(tmp_path, offline_pkgs) -> None:
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["hello"])
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git",):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    env = dict(os.environ, PATH=str(bin_dir), PYTHONPATH=str(REPO), ANYSNAKE2_OFFLINE="1")
    proc = anysnake2(root, env, "build", "rootfs")
    assert proc.returncode == 69, proc.stderr
    assert "'nix' was not found" in proc.stderr and "apt-get install nix-bin" in proc.stderr


def test_do_not_modify_flake_builds_the_hand_edited_flake(tmp_path, offline_pkgs, spy_path) -> None:
    env, _ = spy_path
    root = tmp_path / "project"
    root.mkdir()
    config = write_project(root, offline_pkgs, ["hello"])
    assert anysnake2(root, env, "build", "flake").returncode == 0
    flake = root / ".anysnake2_flake" / "flake.nix"
    edited = "# edited by hand\n" + flake.read_text()
    flake.write_text(edited)
    text = config.read_text()
    assert '[anysnake2]\nversion = "' in text  # the first build recorded the version
    config.write_text(text.replace("[anysnake2]\n", "[anysnake2]\ndo_not_modify_flake = true\n"))
    proc = anysnake2(root, env, "run", "--", "hello")
    assert proc.returncode == 0, proc.stderr
    assert "Hello, world!" in proc.stdout
    assert flake.read_text() == edited
    assert (root / ".anysnake2_flake" / "flake.generated.nix").exists()
    assert "do_not_modify_flake" in proc.stderr


def test_build_flake_writes_the_python_lock_beside_the_config(tmp_path, offline_pkgs) -> None:
    root = tmp_path / "project"
    root.mkdir()
    config = write_project(root, offline_pkgs, ["hello"])
    config.write_text(
        config.read_text()
        + '\n[python]\nversion = "3.11"\necosystem_date = "2023-01-10"\n'
        + '[python.packages]\nsix = ""\n'
    )
    env = dict(os.environ, PYTHONPATH=str(REPO), UV_CACHE_DIR=str(tmp_path / "uv-cache"))
    proc = anysnake2(root, env, "build", "flake")
    assert proc.returncode == 0, proc.stderr
    lock = (root / "anysnake2.uv.lock").read_text()
    assert 'name = "six"' in lock and 'version = "1.16.0"' in lock
    copy = root / ".anysnake2_flake" / "uv" / "uv.lock"
    assert 'name = "six"' in copy.read_text()
    tracked = subprocess.run(
        ["git", "ls-files"],
        cwd=root / ".anysnake2_flake",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "uv/uv.lock" in tracked and "flake.nix" in tracked


def _failing_once_nix(env: dict[str, str], tmp_path: Path) -> tuple[dict[str, str], Path]:
    """PATH whose `nix build` fails the first time (as a build that a leftover builder of a
    killed nix spoiled does), then runs the real nix; `nix` calls are logged."""
    folder = tmp_path / "failing-once"
    folder.mkdir()
    flag, log = tmp_path / "failed-once", tmp_path / "nix-calls.log"
    real = shutil.which("nix")
    (folder / "nix").write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {log}\n'
        f'case " $* " in *" build "*) if [ ! -e {flag} ]; then : > {flag}; '
        "echo \"error: builder for '/nix/store/x-anysnake2-rootfs.drv' failed\" >&2; exit 1; fi;; "
        "esac\n"
        f'exec {real} "$@"\n'
    )
    (folder / "nix").chmod(0o755)
    return dict(env, PATH=f"{folder}:{env['PATH']}"), log


@pytest.mark.parametrize("interrupted", [True, False])
def test_a_build_after_an_interrupted_one_is_tried_once_more(
    tmp_path, offline_pkgs, spy_path, interrupted: bool
) -> None:
    env, _ = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["hello"])
    assert anysnake2(root, env, "build", "rootfs").returncode == 0
    write_project(root, offline_pkgs, ["hello", "cowsay"])
    if interrupted:
        (root / ".anysnake2_flake" / ".build_unfinished").write_text("in_progress\n")
    failing, log = _failing_once_nix(env, tmp_path)
    proc = anysnake2(root, failing, "build", "rootfs")
    builds = [line for line in log.read_text().splitlines() if " build " in f" {line} "]
    if interrupted:
        assert proc.returncode == 0, proc.stderr
        assert "building once more" in proc.stderr
        assert len(builds) == 2
        assert (root / ".anysnake2_flake" / "result" / "rootfs" / "bin" / "cowsay").exists()
    else:  # an ordinary failure is reported at once, never retried
        assert proc.returncode == 70, proc.stderr
        assert "building once more" not in proc.stderr
        assert len(builds) == 1
