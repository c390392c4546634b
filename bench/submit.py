"""`anysnake2 submit --dry-run` on a built project vs `python -c pass`, alternating A B A B;
and a 1,000-task array submitted to a fake `sbatch` that counts its calls.

Targets (issue 19): the dry run <= 5x `python -c pass` (median of the per-pair ratios); a
1,000-task array is one sbatch call.
Run: .venv/bin/python bench/submit.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ENTRY, env_with_repo
from _project import make_project

GOAL = 5.0
PAIRS = 15


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def alternating_ratio(root: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """(median dry run s, median python -c pass s, median of the per-pair ratios)."""
    submit = [sys.executable, *ENTRY, "submit", "--dry-run", "job", "a", "b"]
    baseline = [sys.executable, "-c", "pass"]
    _timed(submit, root, env)
    runs, bases, ratios = [], [], []
    for _ in range(PAIRS):
        a = _timed(submit, root, env)
        b = _timed(baseline, root, env)
        runs.append(a)
        bases.append(b)
        ratios.append(a / b)
    return statistics.median(runs), statistics.median(bases), statistics.median(ratios)


def sbatch_calls(root: Path, env: dict[str, str], tmp: Path) -> int:
    """Submit a 1,000-task array to a fake sbatch; how often it was called."""
    (root / "many.txt").write_text("".join(f"sample{n}\n" for n in range(1000)))
    fake = tmp / "bin"
    fake.mkdir()
    log = tmp / "sbatch.log"
    (fake / "sbatch").write_text(f'#!/bin/sh\necho "$*" >> {log}\necho 4242\n')
    (fake / "sbatch").chmod(0o755)
    env = dict(env, PATH=f"{fake}:{env['PATH']}")
    argv = [sys.executable, *ENTRY, "submit", "--array", "many.txt", "job"]
    subprocess.run(argv, cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    return len(log.read_text().splitlines())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        root = make_project(tmp / "p")
        config = root / "anysnake2.toml"
        config.write_text(config.read_text() + '\n[cmd.job]\nrun = "echo $@"\n')
        env = env_with_repo()
        env["ANYSNAKE2_OFFLINE"] = "1"
        subprocess.run([sys.executable, *ENTRY, "build", "rootfs"], cwd=root, env=env, check=True)
        run, base, ratio = alternating_ratio(root, env)
        calls = sbatch_calls(root, env, tmp)
    print(f"{'python -c pass':<40} {base * 1000:8.1f} ms")
    print(f"{'anysnake2 submit --dry-run job a b':<40} {run * 1000:8.1f} ms")
    verdict = "ok" if ratio <= GOAL else "OVER GOAL"
    print(f"median ratio of {PAIRS} alternating pairs: {ratio:.2f}x (goal <= {GOAL}x) {verdict}")
    print(f"sbatch calls for a 1,000-task array: {calls} (goal 1)")


if __name__ == "__main__":
    main()
