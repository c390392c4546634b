"""`anysnake2 run -- true` on an unchanged project vs the bare runtime call it ends in and
vs `python -c pass`; counts nix, uv and git processes started.

Targets (issues 9 and 18): overhead (anysnake2 minus bare runtime call) <= 3x `python -c
pass` for a TOML project; <= 8x for an anysnake2.py project run through the CLI; zero
nix/uv/git processes. `python anysnake2.py run -- true` (the script imports the DSL and
builds the model before the warm decision) is shown against issue 9's 8x. Measured in a regular (not
editable) install; the commands alternate round by round (bare, anysnake2, python -c pass,
...) and the median of the per-round ratios is reported.
Run: .venv/bin/python bench/warm_run.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import alternate, command, env_with_repo, median_ratio, regular_install, verdict
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
        python = str(regular_install(tmp / "venv"))
        script = str(tmp / "venv" / "bin" / "anysnake2")
        env, log = spy_env(tmp)
        env.pop("PYTHONPATH", None)  # the regular install, not this checkout
        argv = (toml_root / ".anysnake2_flake/run_scripts/run/argv").read_text().split("\0")
        py_argv = (py_root / ".anysnake2_flake/run_scripts/run/argv").read_text().split("\0")
        runs = {
            "bare": command([*argv, "true"], cwd=toml_root, env=env),
            "toml": command([script, "run", "--", "true"], toml_root, env),
            "pass": command([python, "-c", "pass"], toml_root, env),
            "bare py": command([*py_argv, "true"], cwd=py_root, env=env),
            "py cli": command([script, "run", "--", "true"], py_root, env),
            "py script": command([python, "anysnake2.py", "run", "--", "true"], py_root, env),
        }
        times = alternate(runs)
        started = log.read_text().splitlines() if log.exists() else []
    for name, values in times.items():
        print(f"{name:<10} median {statistics.median(values) * 1000:8.1f} ms")
    for label, name, bare, target in (
        ("anysnake2 run -- true (anysnake2.toml)", "toml", "bare", 3),
        ("anysnake2 run -- true (anysnake2.py, CLI)", "py cli", "bare py", 8),
        ("python anysnake2.py run -- true", "py script", "bare py", 8),
    ):
        overhead = statistics.median(
            (run - b) / base
            for run, b, base in zip(times[name], times[bare], times["pass"], strict=True)
        )
        print(
            verdict(f"overhead of {label} over the bare call, in python -c pass", overhead, target)
        )
        plain = median_ratio(times[name], times[bare])
        print(f"  (for reference: {label} / bare call = {plain:.2f}x)")
    print(f"nix/uv/git processes started by the warm runs: {len(started)}")
    if os.environ.get("BENCH_VERBOSE"):
        print("\n".join(started))


if __name__ == "__main__":
    main()
