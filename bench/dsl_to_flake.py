"""1,000 distinct projects built through the DSL and rendered into flake.nix text.

The same project shape as bench/render.py (every section, values differing per project), but
made with `Project()` method calls, as a generator script would. Target: DSL calls plus
rendering of all 1,000 in at most 1 s, and typeguard never imported.
Run from the repository root: `.venv/bin/python bench/dsl_to_flake.py`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COUNT = 1000


def build(i: int, base):
    """The i-th project, from the shared `base`."""
    names = {f"pkg{i}-{k}": "" for k in range(8)}
    project = (
        base.nixpkgs(
            f"{i:040x}",
            packages=[f"tool{i}", 'rust-bin.nightly."2020-01-01".default'],
            permitted_insecure_packages=[f"openssl-{i}"],
            overlay=f"final: prev: {{ x{i} = final.hello; }}",
        )
        .python_packages(names)
        .r(["ACA", f"Pkg{i}"], date="2024-05-10")
        .rust(f"1.{i % 80}.0")
        .env(ANALYSIS=str(i))
        .volume(f"/data/set{i}", "/data", ro=True)
        .cmd("report", f"python report.py --set {i}")
    )
    for k in range(3):
        project = project.flake(
            f"flake{k}", f"github:owner/repo{i}", rev=f"{k:040x}", follows=["nixpkgs"]
        )
    return project


def run_once() -> tuple[float, float, int]:
    """(DSL seconds, render seconds, distinct flakes) for COUNT projects."""
    from anysnake2 import Project
    from anysnake2.render.flake import render_flake
    from anysnake2.render.resolution import Resolution

    start = time.perf_counter()
    base = (
        Project()
        .nixpkgs(url="github:NixOS/nixpkgs", packages=["fish", "hello"])
        .python("3.12", ecosystem_date="2024-05-01")
        .dev_shell(inputs=["cowsay"])
    )
    projects = [build(i, base) for i in range(COUNT)]
    built = time.perf_counter()
    resolution, root = Resolution(), Path("/project")
    texts = {render_flake(p.model, resolution, root=root).flake_nix for p in projects}
    rendered = time.perf_counter()
    return built - start, rendered - built, len(texts)


def main() -> int:
    from anysnake2 import _log

    _log.set_verbosity(0)
    start = time.perf_counter()
    import anysnake2.dsl
    import anysnake2.render.flake  # noqa: F401

    imported = time.perf_counter() - start
    runs = [run_once() for _ in range(5)]
    dsl = statistics.median(r[0] for r in runs)
    render = statistics.median(r[1] for r in runs)
    assert all(r[2] == COUNT for r in runs), "projects should render to distinct flakes"
    begin = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = time.perf_counter() - begin
    total = dsl + render
    print(f"imports (once):                {imported:.3f} s")
    print(f"DSL, {COUNT} projects (median of 5): {dsl:.3f} s")
    print(f"flake text, {COUNT} projects:      {render:.3f} s")
    print(f"DSL -> flake text, total:      {total:.3f} s  (python -c pass: {bare:.3f} s)")
    typeguard = "typeguard" in sys.modules
    print(f"typeguard imported: {typeguard}")
    met = total <= 1.0 and not typeguard
    print(f"target <= 1 s for all {COUNT}, no typeguard: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
