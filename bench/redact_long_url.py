"""Credential redaction of a clone's error output with a 100 KB URL (issue 21): the old
pattern was quadratic (20 s in `build flake`). A B A B: the old pattern, then ours; prints
the medians and the ratio; goal: ours under 50 ms."""

from __future__ import annotations

import re
import statistics
import time

from anysnake2.runtime.clones import _redact

OLD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s'\"]+@")
URL = "git+https://example.com/" + "a" * 100_000
TEXT = f"fatal: repository '{URL}' not found\n"


def _time(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    old, new = [], []
    for _ in range(3):
        old.append(_time(lambda: OLD.sub(r"\1", TEXT)))
        new.append(_time(lambda: _redact(TEXT, URL)))
    a, b = statistics.median(old), statistics.median(new)
    print(
        f"old pattern {a:.3f} s, ours {b:.4f} s, ratio {a / b:.0f}x; goal < 0.050 s:",
        "met" if b < 0.05 else "NOT met",
    )


if __name__ == "__main__":
    main()
