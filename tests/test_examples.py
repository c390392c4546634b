"""examples/generator/generate.py (config as code) runs and checks what it writes; the same
idea at scale: 200 projects made across a process pool, written as TOML and Python,
read back and checked."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from conftest import run_cli

from anysnake2 import Project

REPO = Path(__file__).resolve().parent.parent
GENERATOR = REPO / "examples" / "generator" / "generate.py"


def _load_generator():
    spec = importlib.util.spec_from_file_location("anysnake2_example_generator", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generator = _load_generator()


def test_the_generator_writes_and_checks_every_variant(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, str(GENERATOR), str(tmp_path / "out")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    names = [row[0] for row in generator.VARIANTS]
    assert proc.stdout.count(": ok\n") == 2 * len(names)
    for name in names:
        assert (tmp_path / "out" / name / "anysnake2.toml").is_file()
        assert (tmp_path / "out" / f"{name}-py" / "anysnake2.py").is_file()
    # the fragments did their work, and the real command line agrees with the generator
    gpu_jupyter = tmp_path / "out" / "gpu-jupyter"
    text = (gpu_jupyter / "anysnake2.toml").read_text()
    assert "allow_unfree = true" in text and "[cmd.jupyter]" in text
    for folder in (gpu_jupyter, tmp_path / "out" / "gpu-jupyter-py"):
        result = run_cli("check", cwd=folder)
        assert result.returncode == 0, result.stderr
        assert "commands: default, jupyter" in result.stdout


def _variant(index: int) -> Project:
    """Project number `index`: fragments by the bits of the index, values of its own."""
    fragments = [generator.gpu, generator.jupyter, generator.r_stats, generator.shared_data]
    chosen = tuple(f for bit, f in enumerate(fragments) if index >> bit & 1)
    python = ("3.10", "3.11", "3.12")[index % 3]
    packages = {f"analysis-{index}": f">={index % 7}.{index % 5}"}
    project = generator.variant(f"v{index}", python, chosen, packages)
    return project.cmd("report", f"python report.py --set {index}").volume(
        f"/data/set{index}", "/data", ro=True
    )


def _make_write_check(job: tuple[int, str]) -> Project:
    """In a worker: build, write both formats, read back, check; the project goes back
    to the parent by pickle."""
    index, out = job
    project = _variant(index)
    generator.write_and_check(Path(out), f"p{index:03d}", project)
    return project


def test_two_hundred_projects_across_a_process_pool(tmp_path: Path) -> None:
    jobs = [(index, str(tmp_path)) for index in range(200)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        made = list(pool.map(_make_write_check, jobs, chunksize=10))
    assert made == [_variant(index) for index in range(200)]
    assert len(set(made)) == 200
    assert len(list(tmp_path.glob("p*/anysnake2.toml"))) == 200
    assert len(list(tmp_path.glob("p*-py/anysnake2.py"))) == 200
    assert "[cmd.jupyter]" in (tmp_path / "p003" / "anysnake2.toml").read_text()
    assert "[cmd.jupyter]" not in (tmp_path / "p004" / "anysnake2.toml").read_text()
