"""Start to decision for an unchanged project, next to `python -c pass` (same run).

Target (issue 5): <= 2.5x `python -c pass`.
Run: .venv/bin/python bench/warm_decision.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import command, env_with_repo, median_seconds, python_pass, report
from _project import make_project

DECIDE = (
    "import sys; del sys.path[0]; from anysnake2._version import __version__; "
    "from anysnake2.runtime import state; "
    "sys.exit(0 if state.is_fresh(sys.argv[1], __version__) else 1)"
)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = make_project(Path(tmp))
        baseline = python_pass()
        decide = median_seconds(
            command([sys.executable, "-c", DECIDE, str(root)], env=env_with_repo())
        )
    report([("start + decision (unchanged project)", decide)], baseline)
    print(f"target: <= 2.5x -> {'ok' if decide / baseline <= 2.5 else 'MISSED'}")


if __name__ == "__main__":
    main()
