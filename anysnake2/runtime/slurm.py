"""Slurm through its own tools: `sbatch` to submit, `sacct` or `scontrol` to list.

Every call goes through `_proc.run` (argument lists). A project's jobs are recognised by
their name, `a2-<folder>-<hash of the project path>.<command>`, so two projects with the
same folder name do not see each other's jobs. The exit status of a finished task comes
from `sacct` where accounting is on, else from `scontrol show job` (which keeps finished
jobs for `MinJobAge`, 300 s by default).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import NamedTuple

from .. import _proc
from ..errors import FailureError
from .state import FLAKE_DIR

__all__ = [
    "JobRecord",
    "job_name",
    "list_jobs",
    "log_file",
    "logs_dir",
    "parse_sacct",
    "parse_scontrol",
    "project_tag",
    "sbatch",
    "slurm_dir",
]


def slurm_dir(root: Path) -> Path:
    """`<root>/.anysnake2_flake/slurm`."""
    return root / FLAKE_DIR / "slurm"


def logs_dir(root: Path) -> Path:
    """Where the jobs' output goes: `.anysnake2_flake/slurm/logs`."""
    return slurm_dir(root) / "logs"


def project_tag(root: Path) -> str:
    """`a2-<folder>-<6 hex digits of the real project path>`: the start of its job names."""
    real = os.path.realpath(root)
    folder = re.sub(r"[^A-Za-z0-9_-]", "_", os.path.basename(real))[:40] or "root"
    return f"a2-{folder}-{hashlib.sha256(real.encode()).hexdigest()[:6]}"


def job_name(root: Path, command: str) -> str:
    """The Slurm job name of `[cmd.<command>]` of the project at `root`."""
    return f"{project_tag(root)}.{command}"


def log_file(root: Path, command: str, job_id: str) -> Path:
    """The output file of a job (`<cmd>-<id>.out`) or array task (`<cmd>-<id>_<task>.out`)."""
    return logs_dir(root) / f"{command}-{job_id}.out"


def sbatch(script: Path, options: list[str], *, cwd: Path) -> str:
    """Submit `script` with `sbatch --parsable OPTIONS SCRIPT`; the job id."""
    _proc.require("sbatch", why="to submit jobs to Slurm")
    proc = _proc.run(["sbatch", "--parsable", *options, script], cwd=cwd, what="sbatch")
    job_id = proc.stdout.strip().split(";")[0]
    if not job_id.isdigit():
        raise FailureError(f"sbatch printed no job id: {proc.stdout.strip()!r}")
    return job_id


class JobRecord(NamedTuple):
    """One job or array task: `job_id` as Slurm shows it (`12`, `13_4`, `13_[5-9]`)."""

    job_id: str
    command: str
    state: str
    exit_code: str
    array_job: str | None = None
    task: str | None = None

    @property
    def sort_key(self) -> tuple[int, int, str]:
        """By job, then by task number (pending ranges last)."""
        base = self.array_job or self.job_id.split("_")[0]
        task = self.task if self.task and self.task.isdigit() else ""
        return (int(base) if base.isdigit() else 0, int(task) if task else 1 << 30, self.job_id)

    @property
    def exit_status(self) -> str:
        """`3` for `ExitCode=3:0`, `signal 9` for `0:9`, '' while unknown."""
        code, _, signal = self.exit_code.partition(":")
        if signal and signal != "0":
            return f"signal {signal}"
        return code


_PAIR = re.compile(r"(\S+?)=(\S*)")


def parse_scontrol(text: str, prefix: str) -> list[JobRecord]:
    """The jobs of `scontrol show job --oneliner` whose name starts with `prefix`."""
    records = []
    for line in text.splitlines():
        fields = dict(_PAIR.findall(line))
        name = fields.get("JobName", "")
        if not name.startswith(prefix) or "JobId" not in fields:
            continue
        array_job = fields.get("ArrayJobId")
        task = fields.get("ArrayTaskId")
        job_id = f"{array_job}_{task}" if array_job and task else fields["JobId"]
        if task and not task.isdigit():
            job_id = f"{array_job}_[{task.split('%')[0]}]"
        records.append(
            JobRecord(
                job_id=job_id,
                command=name[len(prefix) :],
                state=fields.get("JobState", "?"),
                exit_code=fields.get("ExitCode", ""),
                array_job=array_job,
                task=task,
            )
        )
    return sorted(records, key=lambda r: r.sort_key)


def parse_sacct(text: str, prefix: str) -> list[JobRecord]:
    """The jobs of `sacct -X --parsable2 --noheader --format=JobID,JobName,State,ExitCode`."""
    records = []
    for line in text.splitlines():
        parts = line.split("|")
        if len(parts) < 4 or not parts[1].startswith(prefix):
            continue
        job_id, name, state, exit_code = parts[:4]
        array_job, _, task = job_id.partition("_")
        records.append(
            JobRecord(
                job_id=job_id,
                command=name[len(prefix) :],
                state=state.split(" ")[0],
                exit_code=exit_code,
                array_job=array_job if task else None,
                task=task or None,
            )
        )
    return sorted(records, key=lambda r: r.sort_key)


def _accounting() -> str | None:
    """sacct's output for the last week, or None where accounting is off."""
    if _proc.which("sacct") is None:
        return None
    argv = ["sacct", "-X", "--parsable2", "--noheader", "--starttime=now-7days"]
    argv.append("--format=JobID,JobName%200,State,ExitCode")
    proc = _proc.run(argv, check=False, timeout=60)
    if proc.returncode != 0 or "accounting storage is disabled" in (proc.stderr or ""):
        return None
    return proc.stdout


def list_jobs(root: Path) -> list[JobRecord]:
    """This project's jobs that Slurm still knows, sorted by job and task."""
    prefix = project_tag(root) + "."
    text = _accounting()
    if text is not None:
        return parse_sacct(text, prefix)
    _proc.require("scontrol", why="to list Slurm jobs")
    proc = _proc.run(["scontrol", "show", "job", "--oneliner"], what="scontrol", timeout=60)
    return parse_scontrol(proc.stdout, prefix)
