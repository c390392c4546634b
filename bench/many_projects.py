"""1,000 variants of a base project through the DSL, each written as canonical TOML.

Prints the total time and peak memory next to `python -c pass` measured in the same run.
Targets: <= 1 s and <= 100 MB for all 1,000. Run: `.venv/bin/python bench/many_projects.py`.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VARIANTS = 1000


def _python_pass() -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of `python -c pass`."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak


def main() -> int:
    baseline_time, baseline_mb = _python_pass()
    start = time.perf_counter()
    from anysnake2 import Project

    imported = time.perf_counter()
    base = (
        Project()
        .anysnake2("0.1.0")
        .nixpkgs("24.05", packages=["fish", "git"])
        .python("3.12", ecosystem_date="2024-05-01", packages={"pandas": ">=2", "scipy": ""})
        .cmd("default", "cd /project && python run.py")
        .volume(".", "/project")
    )
    variants = [
        base.python_packages({f"analysis-{i}": ""})
        .env(ANALYSIS=str(i), SAMPLE=f"s{i % 50}")
        .volume(f"/data/set{i}", "/data", ro=True)
        .cmd("report", f"python report.py --set {i}")
        for i in range(VARIANTS)
    ]
    built = time.perf_counter()
    texts = [variant.to_toml() for variant in variants]
    rendered = time.perf_counter()
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=shm) as folder:
        for i, text in enumerate(texts):
            (Path(folder) / f"a{i}.toml").write_text(text, encoding="utf-8")
    written = time.perf_counter()
    total = written - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    typeguard = "imported" if "typeguard" in sys.modules else "not imported (no error)"
    print(f"python -c pass:            {baseline_time:6.3f} s   peak {baseline_mb:6.1f} MB")
    print(
        f"{VARIANTS} variants, total:     {total:6.3f} s   peak {peak_mb:6.1f} MB (whole process)"
    )
    print(f"  import anysnake2:        {imported - start:6.3f} s")
    print(f"  DSL ({VARIANTS * 4} calls):     {built - imported:6.3f} s   typeguard {typeguard}")
    print(f"  canonical TOML:          {rendered - built:6.3f} s")
    print(f"  files written ({shm or 'tmp'}): {written - rendered:6.3f} s")
    ok = total <= 1.0 and peak_mb <= 100
    print("targets (<= 1 s, <= 100 MB):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
