"""Load and validate a config with 300 Python packages; `anysnake2 version`.

Targets (issue 2): load <= 30 ms; `anysnake2 version` <= 2.5x `python -c pass`.
Run: .venv/bin/python bench/load_config.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import ENTRY, command, env_with_repo, median_seconds, python_pass, report


def main() -> None:
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
        baseline = python_pass()
        version = median_seconds(command([sys.executable, *ENTRY, "version"], env=env_with_repo()))
    report(
        [("load + validate 300 packages (in process)", load), ("anysnake2 version", version)],
        baseline,
    )
    print(
        f"target: load <= 30 ms -> {'ok' if load <= 0.030 else 'MISSED'}; "
        f"version <= 2.5x -> {'ok' if version / baseline <= 2.5 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
