"""The fast fuzz run (issue 21): a few hundred generated configs through `check`, seeded
and derandomized, so CI sees the same cases every time; `bench/fuzz_long.py` is the long
run on demand. Every config: no traceback, an exit code from README's table, a rejection
with file and line; every accepted project renders a flake that nix parses."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.harness import Outcome, exit_codes, generate, parse_flakes, run_config, seed_configs

CODES = exit_codes()


def _check(outcome: Outcome, data: bytes) -> None:
    shown = data[:400]
    assert not outcome.traceback, f"{shown!r}\n{outcome.stderr}"
    assert outcome.code in CODES, f"{shown!r}: exit {outcome.code}\n{outcome.stderr}"
    assert outcome.located, f"{shown!r}: a rejection without file and line\n{outcome.stderr}"


def _fuzz(tmp_path: Path, seeds: list[tuple[str, bytes]], examples: int) -> int:
    flakes: list[str] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.randoms(use_true_random=False))
    def one(rng: random.Random) -> None:
        data = generate(rng, seeds)
        outcome = run_config(data, tmp_path, locked=rng.random() < 0.2)
        _check(outcome, data)
        if outcome.flake is not None:
            flakes.append(outcome.flake)

    one()
    bad = parse_flakes(flakes)
    assert not bad, f"{len(bad)} of {len(flakes)} flakes do not parse; the first:\n{bad[0][1]}"
    return len(flakes)


def test_generated_configs_never_crash_and_accepted_ones_render_parsing_flakes(
    tmp_path: Path,
) -> None:
    accepted = _fuzz(tmp_path, seed_configs(), 300)
    assert accepted > 10  # the generators also make configs that pass (else nothing renders)


@pytest.mark.needs_shared
def test_mutated_original_configs(tmp_path: Path) -> None:
    _fuzz(tmp_path, seed_configs(originals=True)[-40:], 150)


def test_the_harness_sees_what_it_must_report(tmp_path: Path) -> None:
    """The checks can fail: a traceback, an unlocated rejection and a bad flake are seen."""
    outcome = run_config(b'[anysnake2]\nversion = "dev"\n[python]\nversion = "2.7"\n', tmp_path)
    assert outcome.code == 65 and outcome.located and not outcome.traceback
    outcome = run_config(b"[anysnake2]\nversion = 1\n", tmp_path)
    assert outcome.code == 65 and outcome.located
    bad = parse_flakes(["{ a = 1; }", "{ a = ${; }"])
    assert [text for text, _ in bad] == ["{ a = ${; }"] and "syntax error" in bad[0][1]
