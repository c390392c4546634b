"""Evaluation time of the generated flake of the largest original config (2.3.6__full.toml)
against the REAL helper flakes, as a ratio to `nix eval` of an empty flake.

Run from the repository root: `.venv/bin/python bench/upstream_eval.py [ROUNDS]` (needs
../shared beside the checkout and PyPI for the Python lock, made once). Setup as in
tests/test_upstream_eval.py: clones of ../shared/upstream, the honest nixpkgs stand-in on
the real nixpkgs lib, inputs redirected by --override-input. Then A (nix eval of the
rootfs drvPath) and B (nix eval of an empty flake) alternate A B A B; both flakes are
uncommitted git trees and `eval-cache` is off, so every round evaluates. Prints the medians
and the median of the per-round ratios A/B. The issue sets no target; the goal printed
(at most 40x an empty flake, i.e. well under the time nix needs to fetch anything) is
ours, to notice regressions such as a helper input evaluated twice.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from _upstream import NIX, Upstream, nix_env, nixpkgs_release
from conftest import ORIGINAL_CONFIGS, UPSTREAM, load_make_offline_pkgs
from test_upstream_eval import eval_drv, render

CONFIG = "2.3.6__full.toml"
GOAL = 40.0


def _timed(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=nix_env(), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:8])}... failed:\n{proc.stderr[-2000:]}")
    return elapsed


def _empty_flake(base: Path) -> Path:
    flake = base / "empty"
    flake.mkdir()
    (flake / "flake.nix").write_text('{ outputs = { self }: { value = "empty"; }; }\n')
    subprocess.run(["git", "init", "-q"], cwd=flake, check=True, env=nix_env())
    subprocess.run(["git", "add", "flake.nix"], cwd=flake, check=True, env=nix_env())
    return flake


def main(rounds: int = 7) -> None:
    base = Path(tempfile.mkdtemp(prefix="anysnake2-bench-upstream-"))
    try:
        upstream = Upstream(UPSTREAM, base / "upstream")
        root = base / "project"
        root.mkdir()
        shutil.copyfile(ORIGINAL_CONFIGS / CONFIG, root / "anysnake2.toml")
        flake_nix = render(CONFIG, root)
        lib = upstream.nixpkgs_lib(nixpkgs_release(flake_nix))
        pkgs = load_make_offline_pkgs().make(base / "offline", nixpkgs_lib=lib)
        first = eval_drv(root, flake_nix, upstream, pkgs)  # locks, fetches, warms the store
        if first.returncode != 0:
            raise SystemExit(f"{CONFIG} does not evaluate:\n{first.stderr[-2000:]}")
        argv_a = list(first.args)
        argv_a.insert(argv_a.index("eval"), "--option")
        argv_a.insert(argv_a.index("eval"), "eval-cache")
        argv_a.insert(argv_a.index("eval"), "false")
        empty = _empty_flake(base)
        registry = root / "registry.json"
        argv_b = [
            *NIX,
            "--option",
            "flake-registry",
            str(registry),
            "--option",
            "eval-cache",
            "false",
            "eval",
            "--raw",
            ".#value",
        ]
        _timed(argv_b, empty)
        a_times, b_times, ratios = [], [], []
        for _ in range(rounds):
            a = _timed(argv_a, root / ".anysnake2_flake")
            b = _timed(argv_b, empty)
            a_times.append(a)
            b_times.append(b)
            ratios.append(a / b)
        ratio = statistics.median(ratios)
        print(f"{'nix eval of an empty flake':<52} {statistics.median(b_times) * 1000:8.0f} ms")
        print(
            f"{'nix eval rootfs drvPath, ' + CONFIG:<52} "
            f"{statistics.median(a_times) * 1000:8.0f} ms"
        )
        verdict = "ok" if ratio <= GOAL else "OVER GOAL"
        print(
            f"median ratio over {rounds} A B rounds: {ratio:.1f}x (goal <= {GOAL:.0f}x: {verdict})"
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
