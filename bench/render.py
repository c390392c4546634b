"""Render 1,000 distinct projects into flake.nix text; print the time next to `python -c pass`.

Run from the repository root: `.venv/bin/python bench/render.py`. Target: all 1,000 in at
most 1 s. Nothing is written to disk; rendering is pure.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from anysnake2 import _log
from anysnake2.model import (
    DevShell,
    Flake,
    Nixpkgs,
    Project,
    Python,
    PythonPackage,
    R,
    Rust,
)
from anysnake2.render.flake import render_flake
from anysnake2.render.resolution import Resolution

COUNT = 1000


def project(i: int) -> Project:
    """The i-th project: every section present, values differ per project."""
    names = [f"pkg{i}_{k}" for k in range(8)]
    return Project(
        nixpkgs=Nixpkgs(
            url="github:NixOS/nixpkgs",
            rev=f"{i:040x}",
            packages=("fish", "hello", f"tool{i}", 'rust-bin.nightly."2020-01-01".default'),
            permitted_insecure_packages=(f"openssl-{i}",),
            overlay=f"final: prev: {{ x{i} = final.hello; }}",
        ),
        python=Python(
            version="3.12",
            packages={
                n: PythonPackage(
                    n,
                    override_attrs={"postInstall": f"''\n  echo {i}\n''"},
                    build_systems=("setuptools",),
                )
                for n in names
            },
        ),
        r=R(packages=("ACA", f"Pkg{i}"), date="2024-05-10"),
        rust=Rust(version=f"1.{i % 80}.0"),
        flakes={
            f"flake{k}": Flake(
                f"flake{k}", f"github:owner/repo{i}", rev=f"{k:040x}", follows=("nixpkgs",)
            )
            for k in range(3)
        },
        dev_shell=DevShell(inputs=("cowsay",)),
    )


def main() -> int:
    _log.set_verbosity(0)
    projects = [project(i) for i in range(COUNT)]
    resolution = Resolution()
    root = Path("/project")
    start = time.perf_counter()
    texts = {render_flake(p, resolution, root=root).flake_nix for p in projects}
    elapsed = time.perf_counter() - start
    assert len(texts) == COUNT, "projects should render to distinct flakes"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = time.perf_counter() - start
    print(f"render {COUNT} projects: {elapsed:.3f} s ({elapsed / COUNT * 1000:.3f} ms each)")
    print(f"python -c pass:         {bare:.3f} s")
    print(f"target <= 1 s for all {COUNT}: {'met' if elapsed <= 1.0 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
