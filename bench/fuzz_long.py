"""The long fuzz run on demand (issue 21): N generated configs (default 10,000) through
`anysnake2 check` (a fifth with `--locked`) in-process, the flakes of the accepted ones parse-checked by nix.

    .venv/bin/python bench/fuzz_long.py [-n 10000] [--seed 1] [--originals] [--show 3]

Prints: configs tried, tracebacks, exit codes outside README's table, rejections without
file and line, flakes that fail to parse (with the first few examples of each). Exit 1 when
any count is not 0. Seeds are the configs of tests/fuzz (plus ../shared's originals with
--originals); the same seed replays the same configs.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.harness import (
    exit_codes,
    generate,
    parse_flakes,
    run_config,
    seed_configs,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="configs to try")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--originals", action="store_true", help="mutate ../shared's too")
    parser.add_argument("--show", type=int, default=3, help="examples shown per finding")
    args = parser.parse_args()
    seeds = seed_configs(originals=args.originals)
    codes = exit_codes()
    rng = random.Random(args.seed)
    found: dict[str, list[str]] = collections.defaultdict(list)
    by_code: collections.Counter[int] = collections.Counter()
    flakes: list[str] = []
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="anysnake2-fuzz-") as folder:
        for _ in range(args.n):
            data = generate(rng, seeds)
            outcome = run_config(data, Path(folder), locked=rng.random() < 0.2)
            by_code[outcome.code] += 1
            example = f"{data[:300]!r}\n{outcome.stderr[-1200:]}"
            if outcome.traceback:
                found["tracebacks"].append(example)
            if outcome.code not in codes:
                found["exit codes outside the table"].append(example)
            if not outcome.located:
                found["rejections without file and line"].append(example)
            if outcome.render_error:
                found["rejected only when rendering"].append(f"{example}\n{outcome.render_error}")
            if outcome.flake is not None:
                flakes.append(outcome.flake)
    for text, error in parse_flakes(flakes):
        found["flakes that fail to parse"].append(f"{error}\n{text[:2000]}")
    elapsed = time.monotonic() - start
    print(f"configs tried: {args.n} (seed {args.seed}, {len(seeds)} seed configs, {elapsed:.0f} s)")
    print("exit codes: " + ", ".join(f"{c}: {n}" for c, n in sorted(by_code.items())))
    print(f"accepted projects rendered: {len(flakes)}")
    for what in (
        "tracebacks",
        "exit codes outside the table",
        "rejections without file and line",
        "flakes that fail to parse",
        "rejected only when rendering",
    ):
        print(f"{what}: {len(found[what])}")
    for what, examples in sorted(found.items()):
        for example in examples[: args.show]:
            print(f"\n--- {what}:\n{example}")
    return 1 if any(found.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
