"""Build failures (issue 18): nix's log shown once, a download failure is 75. Real nix."""

from __future__ import annotations

import os

from tests.test_build import anysnake2, spy_path, write_project

__all__ = ["spy_path"]  # the fixture, used by name


def test_a_failed_build_shows_the_log_once(tmp_path, offline_pkgs, spy_path) -> None:
    env, _ = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["failing"])
    proc = anysnake2(root, env, "build", "rootfs")
    assert proc.returncode == 70, proc.stderr
    assert proc.stderr.count("failing: log line 7") == 1, proc.stderr  # streamed, not repeated
    assert "nix build of rootfs failed" in proc.stderr and "its log is above" in proc.stderr
    log = root / ".anysnake2_flake" / "build.log"
    assert str(log) in proc.stderr and "failing: log line 7" in log.read_text()
    quiet = anysnake2(root, env, "-v", "1", "build", "rootfs")  # nothing streamed: the tail
    assert quiet.returncode == 70
    assert quiet.stderr.count("failing: log line 7") == 1, quiet.stderr
    assert "last lines of the log" in quiet.stderr


def test_a_download_failure_during_the_build_is_75(tmp_path, offline_pkgs, spy_path) -> None:
    env, _ = spy_path
    env = {k: v for k, v in env.items() if k != "ANYSNAKE2_OFFLINE"}
    root = tmp_path / "project"
    root.mkdir()
    fetch = 'builtins.fetchurl { url = "http://127.0.0.1:9/nothing.tar"; sha256 = "HASH"; }'
    overlay = "final: prev: { fetched = " + fetch.replace("HASH", "0" * 52) + "; }"
    write_project(root, offline_pkgs, ["hello", "fetched"], overlay)
    proc = anysnake2(root, env, "build", "rootfs")
    assert proc.returncode == 75, proc.stderr
    assert "nix build of rootfs could not download what it needs" in proc.stderr
    assert "check the network" in proc.stderr
    assert os.path.exists(root / ".anysnake2_flake" / "build.log")
