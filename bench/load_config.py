"""Load and validate a config with 300 Python packages; `anysnake2 version`.

Targets: load <= 30 ms (issue 2); `anysnake2 version` <= 2x `python -c pass` in a regular
(not editable) install, outside and inside a project folder (issue 18). The version runs
alternate with `python -c pass` of the same interpreter (A B A B ...): the median of the
per-round ratios is reported.
Run: .venv/bin/python bench/load_config.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import alternate, command, median_ratio, median_seconds, regular_install, verdict


def main() -> None:
    from anysnake2 import __version__
    from anysnake2.toml_compat.reader import read_project

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "anysnake2.toml"
        packages = "\n".join(f'package-{i} = ">={i % 7}.{i % 5}"' for i in range(300))
        config.write_text(
            '[nixpkgs]\nurl = "github:NixOS/nixpkgs"\nrev = "24.05"\npackages = ["hello"]\n'
            '[python]\nversion = "3.12"\necosystem_date = "2024-05-01"\n'
            f"[python.packages]\n{packages}\n"
        )
        load = median_seconds(lambda: read_project(config), repeat=30)
        python = regular_install(Path(tmp) / "venv")
        script = python.parent / "anysnake2"
        empty = Path(tmp) / "empty"
        empty.mkdir()
        project = Path(tmp) / "project"
        project.mkdir()
        (project / "anysnake2.toml").write_text(
            f'[anysnake2]\nversion = "{__version__}"\n\n' + config.read_text()
        )
        times = alternate(
            {
                "python -c pass": command([python, "-c", "pass"], cwd=empty),
                "version": command([script, "version"], cwd=empty),
                "version in a project": command([script, "version"], cwd=project),
            }
        )
    print(
        f"load + validate 300 packages (in process): {load * 1000:.1f} ms (target <= 30 ms) "
        f"-> {'ok' if load <= 0.030 else 'MISSED'}"
    )
    base = times["python -c pass"]
    print(f"python -c pass (regular install): {sorted(base)[len(base) // 2] * 1000:.1f} ms")
    for name in ("version", "version in a project"):
        print(verdict(f"anysnake2 {name} / python -c pass", median_ratio(times[name], base), 2))


if __name__ == "__main__":
    main()
