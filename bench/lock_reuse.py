"""The "Python lock still valid" decision for 300 packages, next to `python -c pass`.

Run from the repository root: `.venv/bin/python bench/lock_reuse.py`. Target: the warm
decision (render the lock input, hash it, read one line of anysnake2.uv.lock; no uv, no
network) costs at most 1.5x a bare `python -c pass`. Printed: the decision in-process (the
project already loaded, as on the real path), and fresh processes that build the
300-package project with and without importing the lock module and deciding (the
difference is what the decision adds to a start).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from anysnake2.model import Project, Python, PythonPackage
from anysnake2.resolve.python_lock import (
    LOCK_NAME,
    _header,
    ensure_python_lock,
    lock_input,
    python_lock_is_current,
)

COUNT = 300
ROUNDS = 20

DECIDE = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from pathlib import Path
from anysnake2.model import Project, Python, PythonPackage
from anysnake2.resolve.python_lock import python_lock_is_current
packages = {{f"pkg{{k}}": PythonPackage(f"pkg{{k}}", f">={{k % 7}}.{{k}}") for k in range({COUNT})}}
project = Project(python=Python("3.12", "2024-05-01", packages))
if sys.argv[2] == "decide":
    assert python_lock_is_current(project, Path(sys.argv[1]))
"""


def project() -> Project:
    """300 packages with constraints, as a big real project has."""
    packages = {f"pkg{k}": PythonPackage(f"pkg{k}", f">={k % 7}.{k}") for k in range(COUNT)}
    return Project(python=Python("3.12", "2024-05-01", packages))


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True)
    return time.perf_counter() - start


def main() -> None:
    """Print the medians and the ratios."""
    proj = project()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        spec = lock_input(proj)
        assert spec is not None
        # A recorded lock (its body does not matter to the decision).
        (root / LOCK_NAME).write_text(_header(spec) + "version = 1\n")
        assert ensure_python_lock(proj, root, offline=True) is not None
        bare = statistics.median(timed([sys.executable, "-c", "pass"]) for _ in range(ROUNDS))
        inproc = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            assert python_lock_is_current(proj, root)
            inproc.append(time.perf_counter() - start)
        decide = statistics.median(inproc)
        loaded = statistics.median(
            timed([sys.executable, "-c", DECIDE, str(root), "load"]) for _ in range(ROUNDS)
        )
        fresh = statistics.median(
            timed([sys.executable, "-c", DECIDE, str(root), "decide"]) for _ in range(ROUNDS)
        )
    print(f"python -c pass:                       {bare * 1000:7.2f} ms")
    print(
        f"decision, {COUNT} packages, in-process:  {decide * 1000:7.2f} ms "
        f"({decide / bare:.2f}x python -c pass; target <= 1.5x)"
    )
    print(f"fresh process: model + project only:  {loaded * 1000:7.2f} ms")
    print(
        f"fresh process: the same + decision:    {fresh * 1000:7.2f} ms "
        f"(the decision adds {(fresh - loaded) / bare:.2f}x python -c pass)"
    )


if __name__ == "__main__":
    main()
