"""A real single-node Slurm cluster for the tests (Debian's slurm-wlm and munge, as root).

`start(folder)` writes a munge key (`mungekey --create`, owned by munge, mode 400) and a
minimal `slurm.conf` (own ports, state and logs in `folder`; the scheduler runs every second
and starts batch jobs without delay, so a job waits for no timer), starts `munged` as the munge
user, then `slurmctld` and `slurmd`, and waits (bounded) until the node is idle.
`Cluster.stop()` ends the three daemons by their pid files. Clients find the cluster by
`SLURM_CONF` in `Cluster.env`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SLURM_CONF = """\
ClusterName=anysnake2test
SlurmctldHost=localhost
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
AuthType=auth/munge
AuthInfo=socket={munge}/munge.socket
CryptoType=crypto/munge
SlurmUser=root
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/log/slurmctld.log
SlurmdLogFile={folder}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1,batch_sched_delay=0
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
NodeName=localhost CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""

TOOLS = ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "scontrol", "sinfo")


def missing_tools() -> list[str]:
    """The tools of slurm-wlm and munge that are not installed."""
    paths = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return [tool for tool in TOOLS if shutil.which(tool, path=paths) is None]


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `check` every 0.3 s; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    """A running cluster: its folder and the environment its clients need."""

    folder: Path
    env: dict[str, str]

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """A Slurm client command against this cluster."""
        return subprocess.run(
            list(argv), env=self.env, capture_output=True, text=True, timeout=60, check=check
        )

    def logs(self) -> str:
        """The daemons' logs (for failure messages)."""
        return "\n".join(
            path.read_text(errors="replace")[-3000:] for path in sorted(self.folder.glob("log/*"))
        )

    def stop(self) -> None:
        """End slurmd, slurmctld and munged by their pids (and wait until they are gone)."""
        for pid_file in ("slurmd.pid", "slurmctld.pid", "munge/munged.pid"):
            path = self.folder / pid_file
            try:
                pid = int(path.read_text().strip())
                os.kill(pid, signal.SIGTERM)
            except (OSError, ValueError):
                continue
            wait_for(lambda pid=pid: not _alive(pid), 20, f"{pid_file} to stop")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _start_munge(folder: Path) -> Path:
    munge = folder / "munge"
    munge.mkdir(mode=0o711)
    shutil.chown(munge, "munge", "munge")
    os.chmod(munge, 0o711)  # munged wants the socket folder searchable by all
    key = munge / "munge.key"
    subprocess.run(["mungekey", "--create", f"--keyfile={key}"], check=True, timeout=30)
    shutil.chown(key, "munge", "munge")
    os.chmod(key, 0o400)
    subprocess.run(
        ["runuser", "-u", "munge", "--", "munged", "--force", f"--key-file={key}"]
        + [f"--socket={munge}/munge.socket", f"--pid-file={munge}/munged.pid"]
        + [f"--log-file={munge}/munged.log", f"--seed-file={munge}/munged.seed"],
        check=True,
        timeout=30,
    )
    wait_for(lambda: (munge / "munge.socket").exists(), 20, "munged's socket")
    return munge


def start(folder: Path) -> Cluster:
    """Start munged, slurmctld and slurmd with state in `folder`; wait for an idle node."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    for name in ("state", "spool", "log"):
        (folder / name).mkdir()
    munge = _start_munge(folder)
    conf = folder / "slurm.conf"
    conf.write_text(
        SLURM_CONF.format(folder=folder, munge=munge, ctld_port=_free_port(), d_port=_free_port())
    )
    env = {**os.environ, "SLURM_CONF": str(conf)}
    cluster = Cluster(folder, env)
    try:
        subprocess.run(["slurmctld", "-f", str(conf), "-i"], env=env, check=True, timeout=30)
        subprocess.run(["slurmd", "-f", str(conf)], env=env, check=True, timeout=30)

        def idle() -> bool:
            proc = cluster.run("sinfo", "--noheader", "--format=%T", check=False)
            return proc.returncode == 0 and proc.stdout.strip() == "idle"

        wait_for(idle, 60, "the Slurm node to be idle")
    except (subprocess.SubprocessError, AssertionError):
        logs = cluster.logs()
        cluster.stop()
        raise AssertionError("the test cluster did not start:\n" + logs) from None
    return cluster
