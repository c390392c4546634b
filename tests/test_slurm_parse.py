"""Reading Slurm's listings: `scontrol show job --oneliner` (what the test cluster has) and
`sacct --parsable2` (accounting needs slurmdbd and a database, which the test cluster does
not run: its output is recorded here from Slurm 22.05's format)."""

from __future__ import annotations

from anysnake2.runtime.slurm import parse_sacct, parse_scontrol

PREFIX = "a2-proj-92a1e3."

SCONTROL = """\
JobId=7 ArrayJobId=6 ArrayTaskId=2 JobName=a2-proj-92a1e3.align UserId=root(0) JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 RunTime=00:00:00
JobId=6 ArrayJobId=6 ArrayTaskId=3-5%2 JobName=a2-proj-92a1e3.align UserId=root(0) JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0
JobId=8 ArrayJobId=6 ArrayTaskId=1 JobName=a2-proj-92a1e3.align UserId=root(0) JobState=COMPLETED Reason=None ExitCode=0:0
JobId=9 JobName=a2-proj-92a1e3.hello UserId=root(0) JobState=CANCELLED Reason=None ExitCode=0:9
JobId=10 JobName=a2-other-123456.hello UserId=root(0) JobState=RUNNING Reason=None ExitCode=0:0
"""

SACCT = """\
6_1|a2-proj-92a1e3.align|COMPLETED|0:0
6_2|a2-proj-92a1e3.align|FAILED|3:0
6_[3-5%2]|a2-proj-92a1e3.align|PENDING|0:0
9|a2-proj-92a1e3.hello|CANCELLED by 0|0:9
10|a2-other-123456.hello|RUNNING|0:0
"""


def test_scontrol_records_sorted_by_job_and_task() -> None:
    records = parse_scontrol(SCONTROL, PREFIX)
    assert [(r.job_id, r.command, r.state, r.exit_status) for r in records] == [
        ("6_1", "align", "COMPLETED", "0"),
        ("6_2", "align", "FAILED", "3"),
        ("6_[3-5]", "align", "PENDING", "0"),
        ("9", "hello", "CANCELLED", "signal 9"),
    ]


def test_sacct_records_sorted_by_job_and_task() -> None:
    records = parse_sacct(SACCT, PREFIX)
    assert [(r.job_id, r.command, r.state, r.exit_status) for r in records] == [
        ("6_1", "align", "COMPLETED", "0"),
        ("6_2", "align", "FAILED", "3"),
        ("6_[3-5%2]", "align", "PENDING", "0"),
        ("9", "hello", "CANCELLED", "signal 9"),
    ]
