"""What pinning costs once everything is recorded: the slow path's resolution step.

Run from the repository root: `.venv/bin/python bench/pins.py`. A project with 300 Python
packages (100 of them from git at a recorded revision) and 50 flakes at recorded
revisions: `pin_project` finds nothing open, so it asks no resolver, reads no cache and
writes nothing. Printed next to `python -c pass`, in process; target: at most 0.2x (a few
milliseconds), so recorded pins never make a rebuild noticeably slower.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from _common import median_seconds, python_pass, report

from anysnake2.model import Flake, Nixpkgs, Project, Python, PythonPackage
from anysnake2.resolve.pins import pin_project, requests_for
from anysnake2.sources import Source

SHA = "1234567890abcdef1234567890abcdef12345678"


def project() -> Project:
    packages = {}
    for i in range(300):
        name = f"pkg{i:03d}"
        if i % 3 == 0:
            source = Source("git", f"https://example.org/{name}.git", "main", SHA)
            packages[name] = PythonPackage(name, source=source)
        else:
            packages[name] = PythonPackage(name, f">={i % 7}.0")
    flakes = {
        f"flake{i:02d}": Flake(f"flake{i:02d}", f"github:owner/repo{i}", rev=SHA) for i in range(50)
    }
    return Project(
        nixpkgs=Nixpkgs(url="github:NixOS/nixpkgs", rev=SHA),
        python=Python("3.12", ecosystem_date="2026-01-01", packages=packages),
        flakes=flakes,
    )


def main() -> None:
    pinned = project()
    assert requests_for(pinned) == []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = root / "anysnake2.toml"
        config.write_text("")
        seconds = median_seconds(lambda: pin_project(pinned, root, config), repeat=50)
        assert config.read_text() == "" and not (root / ".anysnake2_flake").exists()
    baseline = python_pass()
    report([("pin_project, 350 values all recorded", seconds)], baseline)
    ratio = seconds / baseline
    print(f"target: <= 0.2x -> {'ok' if ratio <= 0.2 else 'MISSED'}")


if __name__ == "__main__":
    main()
