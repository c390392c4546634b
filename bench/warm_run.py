"""`anysnake2 run -- true` on an unchanged project vs the bare runtime call it ends in and
vs `python -c pass`, in one run; counts nix, uv and git processes started.

Targets (issue 9): overhead (anysnake2 minus bare runtime) <= 3x `python -c pass` for a TOML
project, <= 8x for an anysnake2.py project run as `python anysnake2.py run -- true`; zero
nix/uv/git processes.
Run: .venv/bin/python bench/warm_run.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ENTRY, command, env_with_repo, median_seconds, python_pass, report
from _project import make_project


def spy_env(tmp: Path) -> tuple[dict[str, str], Path]:
    spy = tmp / "spy"
    spy.mkdir()
    log = tmp / "calls.log"
    for tool in ("nix", "nix-store", "git", "uv"):
        real = shutil.which(tool) or "/bin/false"
        (spy / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> {log}\nexec {real} "$@"\n')
        (spy / tool).chmod(0o755)
    env = env_with_repo()
    env["PATH"] = f"{spy}:{env['PATH']}"
    env.pop("TMUX", None)
    return env, log


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        toml_root = make_project(tmp / "t")
        py_root = make_project(tmp / "p", python_config=True)
        env, log = spy_env(tmp)
        argv = (toml_root / ".anysnake2_flake/run_scripts/run/argv").read_text().split("\0")
        bare = median_seconds(command([*argv, "true"], cwd=toml_root, env=env))
        baseline = python_pass()
        toml_run = median_seconds(
            command([sys.executable, *ENTRY, "run", "--", "true"], toml_root, env)
        )
        py_cli = median_seconds(
            command([sys.executable, *ENTRY, "run", "--", "true"], py_root, env)
        )
        py_script = median_seconds(
            command([sys.executable, "anysnake2.py", "run", "--", "true"], py_root, env)
        )
        started = log.read_text().splitlines() if log.exists() else []
    report(
        [
            ("bare runtime call (bwrap ... true)", bare),
            ("anysnake2 run -- true (anysnake2.toml)", toml_run),
            ("anysnake2 run -- true (anysnake2.py, CLI)", py_cli),
            ("python anysnake2.py run -- true", py_script),
        ],
        baseline,
    )
    for name, seconds, target in (
        ("toml", toml_run, 3),
        ("anysnake2.py CLI", py_cli, 3),
        ("python anysnake2.py", py_script, 8),
    ):
        overhead = (seconds - bare) / baseline
        print(
            f"overhead {name}: {overhead:.2f}x python -c pass (target <= {target}x) "
            f"-> {'ok' if overhead <= target else 'MISSED'}"
        )
    print(f"nix/uv/git processes started by the warm runs: {len(started)}")
    if os.environ.get("BENCH_VERBOSE"):
        print("\n".join(started))


if __name__ == "__main__":
    main()
