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


def regular_install(base: Path) -> Path:
    """A venv with a copy of this checkout's anysnake2 (not an editable install, whose
    finder `site` imports at every start), its console script `bin/anysnake2` as an
    installer writes it, and bytecode compiled; its python.

    The dependencies come from this interpreter's site-packages through a plain path
    entry (its .pth files, the editable finder among them, are not run).
    """
    import shutil
    import sysconfig

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base)], check=True)
    python = base / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    shutil.copytree(REPO / "anysnake2", Path(purelib) / "anysnake2")
    (Path(purelib) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([python, "-m", "compileall", "-q", purelib], check=True)
    script = base / "bin" / "anysnake2"
    script.write_text(
        f"#!{python}\nimport sys\nfrom anysnake2._fast import main\n"
        'if __name__ == "__main__":\n    sys.exit(main())\n'
    )
    script.chmod(0o755)
    return python


def alternate(runs: dict[str, Callable[[], object]], rounds: int = 21) -> dict[str, list[float]]:
    """Wall times of each run, taken in turn (A B C A B C ...) after one warm-up round, so
    a change in the machine's load hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(rounds + 1):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            if round_:
                times[name].append(time.perf_counter() - start)
    return times


def median_ratio(numerator: list[float], denominator: list[float]) -> float:
    """The median of the per-round ratios."""
    return statistics.median(a / b for a, b in zip(numerator, denominator, strict=True))


def verdict(name: str, ratio: float, target: float) -> str:
    """`name: 1.62x (target <= 2x) -> ok`."""
    return (
        f"{name}: {ratio:.2f}x (target <= {target:g}x) -> {'ok' if ratio <= target else 'MISSED'}"
    )
