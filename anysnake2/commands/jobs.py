"""`anysnake2 jobs`: this project's Slurm jobs; `jobs --logs JOBID`: a job's output.

The list has one line per job or array task: id, command, state, exit status (from
`sacct` where accounting is on, else `scontrol show job`, which forgets finished jobs after
`MinJobAge`) and the log file. `--logs 13_4` prints task 4's output, `--logs 13` every
task's of job 13 (each under a `==> file <==` header, as `tail` does).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EX_NOINPUT, AnysnakeError, UsageError

if TYPE_CHECKING:
    from ..context import Context
    from ..runtime.slurm import JobRecord

__all__ = ["main", "table"]

USAGE = "anysnake2 jobs [--logs JOBID]"


class NoLogError(AnysnakeError):
    """No output file for the job (yet)."""

    exit_code = EX_NOINPUT


def _log_name(record: JobRecord) -> str:
    if record.array_job and record.task and record.task.isdigit():
        return f"{record.command}-{record.array_job}_{record.task}.out"
    if record.array_job is None:
        return f"{record.command}-{record.job_id}.out"
    return ""


def table(records: list[JobRecord], logs: Path) -> list[str]:
    """The lines `jobs` prints (a header and one aligned line per record)."""
    rows = [("JOBID", "COMMAND", "STATE", "EXIT", "LOG")]
    for record in records:
        name = _log_name(record)
        log = str(logs / name) if name and (logs / name).exists() else "-"
        rows.append((record.job_id, record.command, record.state, record.exit_status or "-", log))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths)) + "  " + row[4]
        for row in rows
    ]


def _show_logs(logs: Path, job_id: str) -> int:
    if not re.match(r"^\d+(_\d+)?$", job_id):
        raise UsageError(f"jobs --logs: {job_id!r} is not a job id such as 12 or 13_4")
    files = sorted(logs.glob(f"*-{job_id}.out")) if logs.is_dir() else []
    if not files and "_" not in job_id and logs.is_dir():
        tasks = logs.glob(f"*-{job_id}_*.out")
        files = sorted(tasks, key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    if not files:
        raise NoLogError(
            f"no output of job {job_id} in {logs}",
            hint="'anysnake2 jobs' lists this project's jobs; a pending job has no output yet",
        )
    for path in files:
        if len(files) > 1:
            print(f"==> {path} <==")
        sys.stdout.write(path.read_text(errors="replace"))
        sys.stdout.flush()
    return 0


def main(ctx: Context, args: list[str]) -> int:
    """List the project's jobs, or print one job's output."""
    from ..runtime.slurm import list_jobs, logs_dir

    logs = logs_dir(ctx.root)
    if args[:1] == ["--logs"] and len(args) == 2:
        return _show_logs(logs, args[1])
    if args:
        raise UsageError(f"jobs: unexpected arguments {' '.join(args)}", hint=USAGE)
    for line in table(list_jobs(ctx.root), logs):
        print(line.rstrip())
    return 0
