"""A built offline project in a temporary folder (real nix against tools/offline_pkgs)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from _common import ENTRY, REPO


def make_project(tmp: Path, *, python_config: bool = False) -> Path:
    """Make the offline package set and a built project using it; the project root."""
    spec = importlib.util.spec_from_file_location(
        "make_offline_pkgs", REPO / "tools" / "offline_pkgs" / "make_offline_pkgs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    nixpkgs = module.make(tmp / "offline-pkgs")["nixpkgs"]
    root = tmp / "project"
    root.mkdir()
    if python_config:
        from anysnake2 import Project  # the header users get from convert/to_python

        project = (
            Project()
            .nixpkgs(nixpkgs["rev"], url=nixpkgs["url"], packages=["hello"])
            .container(runtime="bwrap")
        )
        (root / "anysnake2.py").write_text(project.to_python())
    else:
        (root / "anysnake2.toml").write_text(
            f'[nixpkgs]\nurl = "{nixpkgs["url"]}"\nrev = "{nixpkgs["rev"]}"\n'
            'packages = ["hello"]\n[container]\nruntime = "bwrap"\n'
        )
    env = dict(os.environ, PYTHONPATH=str(REPO), ANYSNAKE2_OFFLINE="1")
    env.pop("TMUX", None)
    subprocess.run([sys.executable, *ENTRY, "run", "--", "true"], cwd=root, env=env, check=True)
    return root
