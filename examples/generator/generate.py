"""Config as code: one base project, a table of variants, written to folders and checked.

Each variant is the base project plus reusable fragments (`gpu`, `jupyter`, `r_stats`, ...)
applied with `with_()`, and a few values of its own. Every project is written as
`<out>/<name>/anysnake2.toml` and `<out>/<name>-py/anysnake2.py`, then read back and
checked exactly as `anysnake2 check` would.

    python examples/generator/generate.py [OUT]    # default OUT: ./generated
    cd generated/gpu-jupyter && anysnake2 build rootfs
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable
from pathlib import Path

from anysnake2 import Project

Fragment = Callable[[Project], Project]

BASE = (
    Project()
    .anysnake2("0.1.0")
    .nixpkgs("24.05", packages=["fish", "git"])
    .python("3.12", ecosystem_date="2024-05-01", packages={"pandas": ">=2", "scipy": ""})
    .volume(".", "/project")
    .cmd("default", "cd /project && python run.py")
)


def gpu(project: Project) -> Project:
    """CUDA from nixpkgs (unfree) and the GPU build of torch."""
    return (
        project.nixpkgs(allow_unfree=True, packages=["cudaPackages.cudatoolkit"])
        .python_packages({"torch": ">=2.3"})
        .env(CUDA_VISIBLE_DEVICES="0")
    )


def jupyter(project: Project) -> Project:
    """JupyterLab as `anysnake2 jupyter`, its state kept in the project folder."""
    return (
        project.python_packages({"jupyterlab": ">=4"})
        .env(JUPYTER_CONFIG_DIR="/project/.jupyter")
        .cmd("jupyter", "cd /project && jupyter lab --no-browser --port 8888")
    )


def r_stats(project: Project) -> Project:
    """R with the packages the stats group uses, as nixR had them on that day."""
    return project.r(["ggplot2", "data.table"], date="2024-05-10")


def shared_data(project: Project) -> Project:
    """The lab's read-only reference data."""
    return project.volume("/srv/reference", "/reference", ro=True)


# name, Python version, fragments, packages of its own
VARIANTS: list[tuple[str, str, tuple[Fragment, ...], dict[str, str]]] = [
    ("baseline", "3.12", (), {}),
    ("py311", "3.11", (), {"numpy": "<2"}),
    ("gpu", "3.12", (gpu,), {}),
    ("gpu-jupyter", "3.12", (gpu, jupyter), {"lightning": ""}),
    ("jupyter-r", "3.12", (jupyter, r_stats), {"rpy2": ">=3.5"}),
    ("everything", "3.12", (gpu, jupyter, r_stats, shared_data), {"scanpy": "pypi"}),
]


def variant(name: str, python: str, fragments: tuple[Fragment, ...], packages: dict[str, str]):
    """The base project made into one variant (a new Project; BASE stays as it is)."""
    project = BASE.python(python, packages=packages).env(VARIANT=name)
    for fragment in fragments:
        project = project.with_(fragment)
    return project


def projects() -> dict[str, Project]:
    """Every variant of the table, by name."""
    return {row[0]: variant(*row) for row in VARIANTS}


def check(path: Path) -> str:
    """`anysnake2 -c PATH check` in this process; its output (SystemExit if it fails)."""
    from anysnake2.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["-c", str(path), "check"])
    if status != 0:
        raise SystemExit(f"{path}: check failed with {status}")
    return out.getvalue()


def write_and_check(out: Path, name: str, project: Project) -> list[Path]:
    """Write `project` in both formats, read each back and check it."""
    import anysnake2

    written = [
        project.write(out / name, "toml", overwrite=True),
        project.write(out / f"{name}-py", "python", overwrite=True),
    ]
    for path in written:
        if anysnake2.load(path) != project:
            raise SystemExit(f"{path} does not read back as the project that was written")
        check(path)
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "generated")
    for name, project in projects().items():
        for path in write_and_check(out, name, project):
            print(f"{path}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
