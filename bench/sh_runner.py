"""`sh` as the runner's engine, measured against `_proc.run` (subprocess), A B A B.

    .venv/bin/python bench/sh_runner.py

Prints, each the median of alternating runs:

- the import: `python -c 'import sh'` against `python -c 'import subprocess'` (a fresh
  process each time; the runner's engine is imported by every build and lock);
- one call of `git --version` through `_proc.run` and through `sh` (in one process);
- what the child sees by default: `sh` gives it a terminal as stdout (`_tty_out=True`), so
  uv and nix switch to colours and progress bars unless every call says `_tty_out=False`;
- how many threads a call leaves running while the child runs (sh: its reader threads).

The decision (see anysnake2/_proc.py's docstring) follows from these numbers.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from anysnake2 import _proc

ROUNDS = 15
TTY = "import sys; print(sys.stdout.isatty())"


def _fresh(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def _alternate(a: object, b: object, rounds: int = ROUNDS) -> tuple[float, float]:
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for run, out in ((a, times[0]), (b, times[1])):
            start = time.perf_counter()
            run()  # type: ignore[operator]
            out.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> int:
    import sh

    imp_sh, imp_sub = _alternate(
        lambda: _fresh("import sh"), lambda: _fresh("import subprocess"), ROUNDS
    )
    git = sh.Command("git")
    call_sh, call_proc = _alternate(
        lambda: git("--version", _tty_out=False), lambda: _proc.run(["git", "--version"]), 30
    )
    python = sh.Command(sys.executable)
    tty_default = str(python("-c", TTY)).strip()
    tty_off = str(python("-c", TTY, _tty_out=False)).strip()
    before = threading.active_count()
    running = python("-c", "import time; time.sleep(0.5)", _bg=True)
    time.sleep(0.2)
    during = threading.active_count() - before
    running.wait()
    print(f"{'':<44}{'sh':>10}{'subprocess':>12}{'ratio':>8}")
    print(
        f"{'import in a fresh python (ms)':<44}{imp_sh * 1e3:>10.1f}{imp_sub * 1e3:>12.1f}"
        f"{imp_sh / imp_sub:>8.2f}"
    )
    print(
        f"{'one git --version call (ms)':<44}{call_sh * 1e3:>10.2f}{call_proc * 1e3:>12.2f}"
        f"{call_sh / call_proc:>8.2f}"
    )
    print(
        f"child's stdout is a terminal by default: sh {tty_default}, with _tty_out=False "
        f"{tty_off}; subprocess False"
    )
    print(
        f"threads sh adds while a child runs: {during}; subprocess.run: 0 (communicate "
        "uses poll in the calling thread)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
