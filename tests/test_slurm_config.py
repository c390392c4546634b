"""`[slurm]`, `[cmd.X.slurm]` and `[container] gpu` in the model, TOML (both ways), the DSL
(both ways) and `check`: round trips, located errors with exit 65."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import run_cli

from anysnake2 import Project
from anysnake2.dsl._writer import to_python
from anysnake2.errors import ConfigError
from anysnake2.loader import load
from anysnake2.model_slurm import Slurm
from anysnake2.toml_compat.reader import read_project_text
from anysnake2.toml_compat.writer import write_project

FULL = """\
[container]
gpu = true

[cmd.align]
run = 'align.sh "$@"'

[cmd.align.slurm]
array = "samples.txt"
cpus = 8
gpus = 1
max_parallel = 50
mem = "16G"
time = "02:00:00"

[cmd.plot]
run = "plot.sh"

[slurm]
account = "ag-lab"
image = "sif"
partition = "short"
sbatch_options = ["--constraint=avx2"]
"""


def read(text: str):
    return read_project_text(textwrap.dedent(text).lstrip("\n"), "anysnake2.toml")


def fails(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        read(text)
    assert info.value.exit_code == 65
    assert info.value.file == "anysnake2.toml"
    return info.value


def test_toml_reads_into_the_model_and_writes_back_canonically() -> None:
    project = read(FULL)
    assert project.slurm == Slurm(
        partition="short", account="ag-lab", image="sif", sbatch_options=("--constraint=avx2",)
    )
    align = project.cmd["align"].slurm
    assert align is not None and align.cpus == 8 and align.array == "samples.txt"
    assert project.cmd["plot"].slurm is None
    assert project.container.gpu is True
    assert write_project(project) == FULL
    assert read(write_project(project)) == project


def test_command_table_over_the_defaults() -> None:
    project = read(FULL)
    merged = project.cmd["align"].slurm.over(project.slurm)
    assert merged.partition == "short" and merged.time == "02:00:00" and merged.image == "sif"
    assert merged.sbatch_options == ("--constraint=avx2",)
    assert merged.describe().startswith("partition short, account ag-lab, time 02:00:00")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[slurm]\npartition = "a"\nprtition = "b"\n', 3, "unknown key 'prtition' in [slurm]"),
        ('[cmd.a]\nrun = "x"\n[cmd.a.slurm]\ncpus = 0\n', 4, "cmd.a.slurm.cpus must be at least 1"),
        ('[cmd.a]\nrun = "x"\n[cmd.a.slurm]\ncpus = "8"\n', 4, "must be a whole number"),
        ('[slurm]\nimage = "docker"\n', 1, "slurm.image 'docker' is not known"),
        ('[slurm]\ntime = "two hours"\n', 1, "slurm.time 'two hours' is not valid"),
        ('[slurm]\nmem = "16 GB"\n', 1, "slurm.mem '16 GB' is not valid"),
        ('[slurm]\nsbatch_options = ["constraint=x"]\n', 1, "is not one option"),
        ('[slurm]\nsbatch_options = ["--comment=a b"]\n', 1, "without spaces"),
        ('[slurm]\nsbatch_options = "--x"\n', 2, "must be a list"),
        ('[container]\ngpu = "yes"\n', 2, "container.gpu must be true or false"),
        ('[cmd.a]\nrun = "x"\nslurm = 3\n', 3, "cmd.a.slurm must be a table"),
    ],
)
def test_bad_values_name_the_line(text: str, line: int, words: str) -> None:
    error = fails(text)
    assert words in error.message, error.message
    assert error.line == line


def test_dsl_builds_the_same_model_and_writes_an_equal_script(tmp_path: Path) -> None:
    built = (
        Project()
        .container(gpu=True)
        .cmd("align", 'align.sh "$@"', slurm={"time": "02:00:00", "mem": "16G", "cpus": 8})
        .cmd("plot", "plot.sh")
        .slurm(partition="short", image="sif", sbatch_options=["--constraint=avx2"])
        .slurm(account="ag-lab")
    )
    model = built.model
    assert model.slurm == Slurm(
        partition="short", account="ag-lab", image="sif", sbatch_options=("--constraint=avx2",)
    )
    assert model.cmd["align"].slurm == Slurm(time="02:00:00", mem="16G", cpus=8)
    script = tmp_path / "anysnake2.py"
    script.write_text(to_python(read(FULL)))
    assert 'slurm={\n            "time": "02:00:00",' in script.read_text()
    assert load(script) == read(FULL)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: Project().slurm(cpus=0), "slurm.cpus must be a whole number of at least 1"),
        (lambda: Project().slurm(cpus="8"), "argument 'cpus' has the wrong type"),
        (lambda: Project().cmd("a", "x", slurm={"tim": "1"}), "cmd.a.slurm: unknown key 'tim'"),
        (lambda: Project().cmd("a", "x", slurm={"gpus": -1}), "cmd.a.slurm.gpus must be"),
    ],
)
def test_dsl_errors_name_the_call_and_line(make, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        make()
    assert words in info.value.message
    assert info.value.file == __file__


def test_check_shows_the_tables_and_refuses_bad_ones(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.toml").write_text(FULL)
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "  slurm: partition short, account ag-lab, image sif, sbatch_options " in result.stdout
    assert "  slurm for align: partition short, account ag-lab, time 02:00:00, mem 16G" in (
        result.stdout
    )
    assert "gpu: on" in result.stdout
    (tmp_path / "anysnake2.toml").write_text(FULL.replace("cpus = 8", "cpus = 0"))
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 65
    assert "anysnake2.toml:9:" in result.stderr and "cpus must be at least 1" in result.stderr
