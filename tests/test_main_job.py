"""The README's main job: set up, build examples/offline/ with nix, run its default
command in a bwrap container; all without network. CI runs it through this test."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_offline_example_builds_and_runs() -> None:
    env = dict(os.environ)
    env.pop("TMUX", None)
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "offline-example.sh")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Hello, world!" in proc.stdout
    assert "hello from the offline example" in proc.stdout
    rootfs = REPO / "examples" / "offline" / ".anysnake2_flake" / "result" / "rootfs"
    assert (rootfs / "bin" / "cowsay").exists()
    verify = subprocess.run(
        ["nix-store", "--verify-path", str(rootfs.resolve().parent)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
