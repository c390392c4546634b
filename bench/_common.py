"""Shared helpers for the benchmarks: time a command several times, report the median."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENTRY = ["-c", "import sys; del sys.path[0]; from anysnake2._fast import main; sys.exit(main())"]


def median_seconds(run: Callable[[], object], repeat: int = 15) -> float:
    """Median wall time of `run()` over `repeat` calls (after one warm-up call)."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def command(
    argv: Sequence[str], cwd: Path | None = None, env: dict | None = None
) -> Callable[[], None]:
    """A callable that runs argv (output discarded) and checks it succeeded."""

    def run() -> None:
        subprocess.run(
            list(argv),
            cwd=cwd,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    return run


def python_pass() -> float:
    """`python -c pass` of this interpreter: the baseline."""
    return median_seconds(command([sys.executable, "-c", "pass"]))


def env_with_repo() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO))


def report(rows: list[tuple[str, float]], baseline: float) -> None:
    """Print each row's median in ms and its ratio to the baseline."""
    print(f"{'python -c pass':<48} {baseline * 1000:8.1f} ms   1.00x")
    for name, seconds in rows:
        print(f"{name:<48} {seconds * 1000:8.1f} ms {seconds / baseline:6.2f}x")
