"""File-system faults and the state a crash leaves behind, with real mounts and real nix.

- a read-only project folder, a read-only `.anysnake2_flake/`, a full disk (a small tmpfs
  mounted here) and an unreadable config (the CLI run as user nobody) each stop with a
  message naming the path and a sysexit (73 cannot create, 74 I/O error, 77 permission
  denied), never "a bug in anysnake2";
- an empty or corrupt `flake.lock`, a stale `.git/index.lock` and a dangling `result` in
  `.anysnake2_flake/` are repaired with one line each, and the run goes on.

Mounting and changing user need root (the machine and CI run the suite as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ENTRY, REPO, run_cli
from test_build import write_project

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounts need root")

BUG = "bug in anysnake2"


def env() -> dict[str, str]:
    out = dict(os.environ, ANYSNAKE2_OFFLINE="1")
    out.pop("TMUX", None)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory, offline_pkgs) -> Path:
    """A project built once; tests copy it (the copy's build is found in the store)."""
    root = tmp_path_factory.mktemp("built") / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["hello"])
    proc = run_cli("run", "--", "true", cwd=root, env=env())
    assert proc.returncode == 0, proc.stderr
    return root


def copy_of(built: Path, dest: Path) -> Path:
    shutil.copytree(built, dest, symlinks=True)
    return dest


def change(root: Path) -> None:
    config = root / "anysnake2.toml"
    config.write_text(config.read_text().replace('"hello"]', '"hello", "cowsay"]'))


@contextmanager
def mounted(*argv: str) -> Iterator[None]:
    target = argv[-1]
    subprocess.run(["mount", *argv], check=True)
    try:
        yield
    finally:
        subprocess.run(["umount", target], check=True)


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """`folder` bind-mounted read-only onto itself (root ignores permission bits)."""
    with mounted("--bind", str(folder), str(folder)):
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield


def assert_clear(proc: subprocess.CompletedProcess[str], code: int, path: Path) -> None:
    assert proc.returncode == code, proc.stderr
    assert BUG not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert str(path) in proc.stderr, proc.stderr


def test_a_read_only_project_folder_is_73_naming_it(tmp_path, built) -> None:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(built / "anysnake2.toml", root)
    with read_only(root):
        proc = run_cli("run", "--", "true", cwd=root, env=env())
    assert_clear(proc, 73, root / ".anysnake2_flake")
    assert "read-only" in proc.stderr


def test_a_read_only_flake_folder_is_73_naming_it(tmp_path, built) -> None:
    root = copy_of(built, tmp_path / "project")
    change(root)
    with read_only(root / ".anysnake2_flake"):
        proc = run_cli("run", "--", "true", cwd=root, env=env())
    assert_clear(proc, 73, root / ".anysnake2_flake")


@pytest.mark.parametrize("free_kb", [0, 8])
def test_a_full_disk_is_74_and_the_next_run_recovers(tmp_path, built, free_kb) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    with mounted("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)):
        root = copy_of(built, disk / "project")
        (root / "notes.txt").write_text("mine\n")
        change(root)
        available = shutil.disk_usage(disk).free // 1024
        filler = disk / "filler"
        with open(filler, "wb") as handle:
            try:
                handle.write(b"\0" * max(0, (available - free_kb) * 1024))
            except OSError:
                pass  # full already
        proc = run_cli("run", "--", "true", cwd=root, env=env())
        assert_clear(proc, 74, disk)
        assert "no space left" in proc.stderr.lower()
        filler.unlink()
        again = run_cli("run", "--", "true", cwd=root, env=env())
        assert again.returncode == 0, again.stderr
        assert (root / "notes.txt").read_text() == "mine\n"


def test_an_unreadable_config_is_77_naming_it() -> None:
    # pytest's tmp_path is private to root: this folder is reachable by user nobody
    folder = Path(tempfile.mkdtemp(prefix="anysnake2-unreadable-"))
    try:
        folder.chmod(0o755)
        config = folder / "anysnake2.toml"
        config.write_text('[nixpkgs]\nurl = "github:NixOS/nixpkgs"\n')
        config.chmod(0o600)
        site = next((REPO / ".venv" / "lib").glob("python3*/site-packages"))
        # a Python user nobody may run (ours may live below /root), of the venv's version
        python = f"/usr/bin/python3.{sys.version_info.minor}"
        assert os.access(python, os.X_OK), f"{python} is needed to run as user nobody"
        argv = [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "env",
            f"PYTHONPATH={REPO}:{site}",
            "HOME=/tmp",
            python,
            *ENTRY,
        ]
        for command in (["check"], ["run", "--", "true"]):
            proc = subprocess.run(
                [*argv, *command],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert_clear(proc, 77, config)
    finally:
        shutil.rmtree(folder)


def test_state_left_by_a_crash_is_repaired_with_one_line_each(tmp_path, built) -> None:
    root = copy_of(built, tmp_path / "project")
    flake_dir = root / ".anysnake2_flake"
    (flake_dir / "flake.lock").write_text("")
    (flake_dir / ".git" / "index.lock").write_text("")
    result = flake_dir / "result"
    result.unlink()
    result.symlink_to("/nix/store/00000000000000000000000000000000-gone")
    change(root)
    proc = run_cli("run", "--", "hello", cwd=root, env=env())
    assert proc.returncode == 0, proc.stderr
    assert "Hello, world!" in proc.stdout
    for what in ("an empty", "stale git lock", "dangling link"):
        assert proc.stderr.count(what) == 1, proc.stderr
    assert not (flake_dir / ".git" / "index.lock").exists()
    verify = subprocess.run(["nix-store", "--verify-path", str(result.resolve())], check=False)
    assert verify.returncode == 0
    # a half-written lock (a full disk while nix wrote it)
    (flake_dir / "flake.lock").write_text('{"nodes": {')
    config = root / "anysnake2.toml"
    config.write_text(config.read_text() + "# changed\n")
    proc = run_cli("run", "--", "hello", cwd=root, env=env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("removed a corrupt") == 1, proc.stderr


def test_convert_on_a_full_disk_is_74_and_leaves_no_half_file(tmp_path, built) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    with mounted("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)):
        shutil.copy(built / "anysnake2.toml", disk)
        (disk / "old.py").write_text("# my old file\n")
        with open(disk / "filler", "wb") as handle:
            try:
                handle.write(b"\0" * 128 * 1024)
            except OSError:
                pass  # the disk is full now
        for target, extra in (("new.py", []), ("old.py", ["--force"])):
            args = ("convert", "--to", "python", "-o", target, *extra)
            proc = run_cli(*args, cwd=disk, env=env())
            assert_clear(proc, 74, disk / target)
        assert sorted(p.name for p in disk.iterdir()) == ["anysnake2.toml", "filler", "old.py"]
        assert (disk / "old.py").read_text() == "# my old file\n"
