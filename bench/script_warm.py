"""Warm `python anysnake2.py run -- true` on the offline example converted to Python,
against `python -c pass`: the two commands alternate (A B A B ...), the median of the
per-pair ratios is compared with the goal (issue 17: <= 8x).

The example (examples/offline/anysnake2.toml) is copied into a temporary folder with its
offline package set, converted with `anysnake2 convert --to python` (so the header is the
one users get), built once with nix, then timed. Also reports whether typeguard was imported
by the warm run.
Run from the repository root: `.venv/bin/python bench/script_warm.py [PAIRS]` (default 21).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ENTRY, REPO

GOAL = 8.0


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def make_example(tmp: Path) -> tuple[Path, dict[str, str]]:
    """The converted, built offline example; its folder and the environment to run it in."""
    sys.path.insert(0, str(REPO / "tools" / "offline_pkgs"))
    from make_offline_pkgs import make

    root = tmp / "offline"
    root.mkdir()
    shutil.copy(REPO / "examples" / "offline" / "anysnake2.toml", root / "anysnake2.toml")
    make(root / "offline-pkgs")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "TMUX"))}
    env["ANYSNAKE2_OFFLINE"] = "1"
    python = [sys.executable, *ENTRY]
    cli_env = dict(env, PYTHONPATH=str(REPO))
    convert = [*python, "convert", "--to", "python", "-o", "anysnake2.py"]
    subprocess.run(convert, cwd=root, env=cli_env, check=True)
    (root / "anysnake2.toml").unlink()
    subprocess.run(
        [sys.executable, "anysnake2.py", "run", "--", "true"], cwd=root, env=env, check=True
    )
    return root, env


def main(pairs: int = 21) -> int:
    with tempfile.TemporaryDirectory() as name:
        root, env = make_example(Path(name))
        script = [sys.executable, "anysnake2.py", "run", "--", "true"]
        bare = [sys.executable, "-c", "pass"]
        for _ in range(2):  # warm-up
            _timed(script, root, env), _timed(bare, root, env)
        ratios, script_times, bare_times = [], [], []
        for _ in range(pairs):
            a = _timed(script, root, env)
            b = _timed(bare, root, env)
            script_times.append(a)
            bare_times.append(b)
            ratios.append(a / b)
        imports = subprocess.run(
            [sys.executable, "-X", "importtime", "anysnake2.py", "run", "--", "true"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stderr
    typeguard = any(line.rstrip().endswith("| typeguard") for line in imports.splitlines())
    ratio = statistics.median(ratios)
    print(f"python -c pass (median):                {statistics.median(bare_times) * 1000:7.1f} ms")
    print(
        f"python anysnake2.py run -- true (median): {statistics.median(script_times) * 1000:7.1f} ms"
    )
    print(f"median ratio of {pairs} alternating pairs: {ratio:.2f}x (goal <= {GOAL:g}x)")
    print(f"typeguard imported by the warm run: {typeguard}")
    met = ratio <= GOAL and not typeguard
    print("goal:", "met" if met else "MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 21))
