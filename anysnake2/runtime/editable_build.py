"""Compiled extensions of editable packages, built on request (`anysnake2 build editables`).

Editables are installed without running their build backend (runtime.editable_install), so
their C/Cython extensions are missing until built. On request, each editable checkout is
built in place inside the container (the rootfs' compiler and Python headers, the checkout
bound writable at `/anysnake2/editable/<name>`): setuptools projects with
`python3 setup.py build_ext --inplace` (or setuptools' `setup()` when there is no setup.py),
which leaves `pkg/_ext.*.so` beside the sources, where the bound import root finds them.
setuptools compares timestamps itself, so a changed source is recompiled and an unchanged
one is not. Never run on the warm path: only this command builds.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError, FailureError, ToolUnavailableError, UsageError
from ..model import Project
from ..resolve.editable_deps import load_toml
from .detect import Runtime

__all__ = ["build_argv", "build_extensions", "chosen_editables"]

_NO_COMPILER = "anysnake2: no C compiler in the container"
# in the container: find a compiler first (a clear 69 instead of a build's traceback),
# then build in the checkout ("$1"), the build's argv following
_SCRIPT = (
    "if ! command -v cc >/dev/null 2>&1 && ! command -v gcc >/dev/null 2>&1; then "
    f'echo "{_NO_COMPILER}"; exit 69; fi; '
    'cd "$1" && shift && exec "$@"'
)
_SETUPTOOLS = ("setuptools.build_meta", "setuptools.build_meta:__legacy__")
_TAIL = 40


def build_argv(checkout: Path, name: str) -> list[str]:
    """The container argv that builds `checkout`'s extensions in place (run in it).

    ConfigError (65) when its build backend has no in-place build we know.
    """
    pyproject = checkout / "pyproject.toml"
    data = load_toml(pyproject) if pyproject.is_file() else {}
    backend = (data.get("build-system") or {}).get("build-backend")
    if backend is not None and backend not in _SETUPTOOLS:
        raise ConfigError(
            f"editable python package {name}: its build backend {backend!r} has no in-place "
            "extension build that anysnake2 knows (only setuptools: build_ext --inplace)",
            hint="build it yourself in the container, e.g. anysnake2 run -- pip install "
            f"--no-deps --no-build-isolation -e /anysnake2/editable/{name}",
            file=os.fspath(pyproject),
        )
    if (checkout / "setup.py").is_file():
        return ["python3", "setup.py", "build_ext", "--inplace"]
    code = "from setuptools import setup; setup()"
    return ["python3", "-c", code, "build_ext", "--inplace"]


def chosen_editables(project: Project, names: Sequence[str]) -> list[str]:
    """The editable packages `names` (all when empty), sorted; UsageError (64) naming
    those that are not editable packages of `project`."""
    editables = sorted(
        name
        for name, package in (project.python.packages.items() if project.python else ())
        if package.editable is not None
    )
    unknown = sorted(set(names) - set(editables))
    if unknown:
        raise UsageError(
            f"not an editable python package: {', '.join(unknown)}",
            hint="editable packages of this project: " + (", ".join(editables) or "(none)"),
        )
    return sorted(set(names)) if names else editables


def build_extensions(
    project: Project,
    root: Path,
    names: Sequence[str],
    *,
    rootfs: Path,
    runtime: Runtime | None = None,
) -> list[str]:
    """Build the extensions of the editables `names` (all when empty) in the container;
    the names built, in order.

    FailureError (70) with the output's tail when a build fails, ToolUnavailableError (69)
    when the container has no C compiler.
    """
    from .editables import editable_mounts
    from .run import editable_extras, prepare

    root = Path(os.path.realpath(root))
    chosen = chosen_editables(project, names)
    mounts = {m.name: m for m in editable_mounts(project, root)}
    extras = editable_extras(project, root)
    for name in chosen:
        mount = mounts[name]
        argv = ["/bin/sh", "-c", _SCRIPT, "sh", mount.container_path]
        argv += build_argv(mount.host_path, name)
        ready = prepare(
            project, root, "build-editables", None, argv,
            rootfs=rootfs, runtime=runtime, extras=extras,
        )  # fmt: skip
        done = subprocess.run(
            ready.argv, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        output = done.stdout.decode("utf-8", "replace")
        _check(name, done.returncode, output)
    return chosen


def _check(name: str, status: int, output: str) -> None:
    if status == 0:
        return
    if status == 69 and output.strip().endswith(_NO_COMPILER):
        raise ToolUnavailableError(
            f"editable python package {name}: the container has no C compiler (cc, gcc) "
            "to build its extensions",
            hint='add one to the rootfs, e.g. packages = ["gcc"] in [nixpkgs], then '
            "run anysnake2 build editables again",
        )
    tail = "\n".join(output.rstrip().splitlines()[-_TAIL:])
    hint = "fix the sources in the checkout and run anysnake2 build editables again"
    if "No module named 'setuptools'" in output:
        hint = 'the venv has no setuptools: add setuptools = "" to [python.packages]'
    raise FailureError(
        f"editable python package {name}: building its extensions failed (exit {status}); "
        f"the end of the build's output:\n{tail}",
        hint=hint,
    )
