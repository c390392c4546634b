"""`submit` and `jobs` against a real single-node Slurm (slurm-wlm + munge, started here as
root): a single job and a 5-task array from `[cmd.*]`, run in the offline example's rootfs
with bwrap on the node; each task's output with its own line of samples.txt; a failing
task's exit status; `--after` ordering; `jobs` listing them; `submit` refusing (65) while
something is unpinned or unbuilt; the `--dry-run` script of a SIF job against a golden."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from _slurm_cluster import Cluster, missing_tools, start, wait_for
from conftest import run_cli

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "resources" / "runtime"
SAMPLES = ["alpha", "beta two", "gamma", "delta", "epsilon"]

CONFIG = """\
[nixpkgs]
url = "{url}"
rev = "{rev}"
packages = ["hello"]

[container]
runtime = "bwrap"

[container.volumes_rw]
"." = "/project"

[cmd.hello]
run = '''
echo "args: $*"
hello
echo "job $SLURM_JOB_ID on $SLURM_JOB_PARTITION"
'''

[cmd.align]
run = '''
echo "sample: $1 (task $SLURM_ARRAY_TASK_ID of job $SLURM_ARRAY_JOB_ID)"
if [ "$1" = delta ]; then exit 3; fi
'''

[cmd.align.slurm]
array = "samples.txt"
max_parallel = 2

[cmd.first]
run = "sleep 2; echo first >> /project/order.txt"

[cmd.second]
run = "echo second >> /project/order.txt"

[cmd.hooked]
run = "echo inside; exit 4"
pre_run_outside = "echo pre >> hooks.txt"
while_run_outside = "echo while >> hooks.txt; sleep 1234"
post_run_outside = 'echo "post $ANYSNAKE2_RUN_STATUS" >> hooks.txt'

[cmd.refused]
run = "echo never >> hooks.txt"
pre_run_outside = "exit 1"

[slurm]
partition = "debug"
"""


@pytest.fixture(scope="session")
def cluster():
    missing = missing_tools()
    assert not missing, f"{missing} missing: scripts/setup.sh installs slurm-wlm and munge"
    assert os.geteuid() == 0, "the test cluster is started as root"
    # Not below pytest's temp folder: that one is private to root, and munged runs as munge.
    folder = Path(tempfile.mkdtemp(prefix="anysnake2-slurm-"))
    folder.chmod(0o755)
    running = start(folder / "cluster")
    yield running
    running.stop()
    shutil.rmtree(folder)


def _env(cluster: Cluster | None = None) -> dict[str, str]:
    env = dict(cluster.env if cluster else os.environ, PYTHONPATH=str(REPO))
    env["ANYSNAKE2_OFFLINE"] = "1"
    env.pop("TMUX", None)
    return env


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, offline_pkgs) -> Path:
    root = tmp_path_factory.mktemp("slurm-project") / "project"
    root.mkdir()
    nixpkgs = offline_pkgs["nixpkgs"]
    (root / "anysnake2.toml").write_text(CONFIG.format(url=nixpkgs["url"], rev=nixpkgs["rev"]))
    (root / "samples.txt").write_text("\n".join(SAMPLES) + "\n\n")
    built = run_cli("build", "rootfs", cwd=root, env=_env())
    assert built.returncode == 0, built.stderr
    return root


def submit(root: Path, cluster: Cluster, *args: str) -> str:
    proc = run_cli("submit", *args, cwd=root, env=_env(cluster))
    assert proc.returncode == 0, proc.stderr
    job_id = proc.stdout.strip()
    assert job_id.isdigit(), proc.stdout
    return job_id


def jobs(root: Path, cluster: Cluster) -> dict[str, tuple[str, str, str]]:
    """JOBID -> (command, state, exit) from `anysnake2 jobs`."""
    proc = run_cli("jobs", cwd=root, env=_env(cluster))
    assert proc.returncode == 0, proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines()[1:]]
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def wait_done(root: Path, cluster: Cluster, ids: list[str], timeout: float = 180) -> dict:
    final = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY")
    seen: dict = {}

    def done() -> bool:
        seen.update(jobs(root, cluster))
        return all(i in seen and seen[i][1] in final for i in ids)

    try:
        wait_for(done, timeout, f"jobs {ids}")
    except AssertionError:
        raise AssertionError(f"{seen}\n{cluster.logs()}") from None
    return seen


def log(root: Path, cluster: Cluster, job_id: str) -> str:
    proc = run_cli("jobs", "--logs", job_id, cwd=root, env=_env(cluster))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_a_single_job_runs_the_command_in_the_container(project: Path, cluster: Cluster) -> None:
    job_id = submit(project, cluster, "hello", "a b", "c")
    states = wait_done(project, cluster, [job_id])
    assert states[job_id] == ("hello", "COMPLETED", "0")
    output = log(project, cluster, job_id)
    assert "args: a b c\nHello, world!\n" in output
    assert f"job {job_id} on debug" in output  # SLURM_* reached the container
    scripts = list((project / ".anysnake2_flake" / "slurm" / "hello").glob("*.sbatch"))
    assert len(scripts) == 1 and "#SBATCH --partition=debug" in scripts[0].read_text()
    # the run scripts of this submission, kept beside it for as long as it waits
    run = scripts[0].with_suffix("") / "run.sh"
    assert run.read_text().startswith('echo "args: $*"')


def test_an_array_gives_each_task_its_line_and_status(project: Path, cluster: Cluster) -> None:
    job_id = submit(project, cluster, "align")
    ids = [f"{job_id}_{n}" for n in range(1, 6)]
    states = wait_done(project, cluster, ids)
    for number, sample in enumerate(SAMPLES, 1):
        text = log(project, cluster, f"{job_id}_{number}")
        assert text == f"sample: {sample} (task {number} of job {job_id})\n"
    assert states[f"{job_id}_4"] == ("align", "FAILED", "3")
    assert all(states[i] == ("align", "COMPLETED", "0") for i in ids if i != f"{job_id}_4")
    everything = log(project, cluster, job_id)
    assert everything.count("==> ") == 5 and "sample: beta two" in everything


def test_after_waits_for_the_other_job(project: Path, cluster: Cluster) -> None:
    (project / "order.txt").unlink(missing_ok=True)
    first = submit(project, cluster, "first")
    second = submit(project, cluster, "--after", first, "second")
    states = wait_done(project, cluster, [first, second])
    assert states[first][1] == states[second][1] == "COMPLETED"
    # without the dependency the second job (no sleep) would finish first: 2 CPUs are free
    assert (project / "order.txt").read_text() == "first\nsecond\n"


def test_host_hooks_run_around_the_job(project: Path, cluster: Cluster) -> None:
    (project / "hooks.txt").unlink(missing_ok=True)
    hooked = submit(project, cluster, "hooked")
    refused = submit(project, cluster, "refused")
    states = wait_done(project, cluster, [hooked, refused])
    assert states[hooked] == ("hooked", "FAILED", "4")
    assert states[refused] == ("refused", "FAILED", "70")  # pre_run_outside failed
    lines = (project / "hooks.txt").read_text().splitlines()
    assert (
        lines[0] == "pre" and lines[-1] == "post 4" and sorted(lines) == ["post 4", "pre", "while"]
    )
    # while_run_outside was stopped with the job (its sleep is gone)
    sleeping = subprocess.run(["pgrep", "-f", "sleep 1234"], capture_output=True, check=False)
    assert sleeping.returncode == 1, sleeping.stdout
    assert "pre_run_outside of [cmd.refused] failed" in log(project, cluster, refused)


def test_jobs_lists_only_this_projects_jobs(project: Path, cluster: Cluster, tmp_path) -> None:
    other = tmp_path / "project"  # the same folder name, another project
    other.mkdir()
    shutil.copy(project / "anysnake2.toml", other / "anysnake2.toml")
    assert jobs(other, cluster) == {}
    listed = jobs(project, cluster)
    assert {command for command, _, _ in listed.values()} >= {"hello", "align"}


def test_submit_refuses_while_unbuilt_or_unpinned(tmp_path: Path, offline_pkgs) -> None:
    nixpkgs = offline_pkgs["nixpkgs"]
    root = tmp_path / "project"
    root.mkdir()
    config = root / "anysnake2.toml"
    config.write_text(CONFIG.format(url=nixpkgs["url"], rev=nixpkgs["rev"]))
    proc = run_cli("submit", "hello", cwd=root, env=_env())
    assert proc.returncode == 65, proc.stderr
    assert "not built from the current config" in proc.stderr
    assert "anysnake2 build rootfs" in proc.stderr
    assert not (root / ".anysnake2_flake" / "slurm").exists()
    # --build builds here, from the recorded pins
    built = run_cli("submit", "--build", "--dry-run", "hello", cwd=root, env=_env())
    assert built.returncode == 0, built.stderr
    assert (root / ".anysnake2_flake" / "result" / "rootfs" / "bin" / "hello").exists()
    assert run_cli("submit", "--dry-run", "hello", cwd=root, env=_env()).returncode == 0
    config.write_text(
        CONFIG.format(url=nixpkgs["url"], rev=nixpkgs["rev"]).replace("rev =", "ref =")
    )
    for args in (["--dry-run"], ["--build", "--dry-run"]):  # nothing is resolved
        proc = run_cli("submit", *args, "hello", cwd=root, env=_env())
        assert proc.returncode == 65, proc.stderr
        assert "--locked" in proc.stderr and "not recorded" in proc.stderr
    assert not [p for p in (root / ".anysnake2_flake" / "slurm").rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--after", "x1", "hello"], "neither a job id nor a Slurm dependency"),
        (["--after", "afterok:1 2", "hello"], "neither a job id"),
        (["--array"], "--array needs a value"),
        (["--array", "nofile.txt", "hello"], "neither a file nor a range"),
        (["--frobnicate", "hello"], "unknown option --frobnicate"),
        ([], "which command?"),
        (["nosuch"], "the project has no [cmd.nosuch]"),
    ],
)
def test_submit_usage_errors(project: Path, args: list[str], words: str) -> None:
    proc = run_cli("submit", "--dry-run", *args, cwd=project, env=_env())
    assert proc.returncode == 64, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--logs", "12x"], 64, "is not a job id such as 12 or 13_4"),
        (["--logs", "999999"], 66, "no output of job 999999"),
        (["--all"], 64, "unexpected arguments --all"),
    ],
)
def test_jobs_usage_errors(project: Path, args: list[str], code: int, words: str) -> None:
    proc = run_cli("jobs", *args, cwd=project, env=_env())
    assert proc.returncode == code, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr


def test_without_slurm_submit_says_so(project: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"  # bwrap and bash, but no sbatch
    bin_dir.mkdir()
    for tool in ("bwrap", "bash"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    env = dict(_env(), PATH=str(bin_dir))
    proc = run_cli("submit", "hello", cwd=project, env=env)
    assert proc.returncode == 69, proc.stderr
    assert "'sbatch' was not found" in proc.stderr and "Slurm login node" in proc.stderr
    proc = run_cli("jobs", cwd=project, env=env)
    assert proc.returncode == 69 and "'scontrol' was not found" in proc.stderr


def test_submit_refuses_a_missing_or_old_sif(project: Path, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(project, root, symlinks=True, ignore=shutil.ignore_patterns("slurm"))
    config = root / "anysnake2.toml"
    config.write_text(config.read_text() + 'image = "sif"\n')
    assert run_cli("build", "rootfs", cwd=root, env=_env()).returncode == 0
    proc = run_cli("submit", "--dry-run", "hello", cwd=root, env=_env())
    assert proc.returncode == 65, proc.stderr
    assert "result.sif is missing or older than the rootfs" in proc.stderr
    assert "anysnake2 build sif" in proc.stderr
    sif = root / ".anysnake2_flake" / "result.sif"
    sif.write_text("stands in for the SIF file\n")
    assert run_cli("submit", "--dry-run", "hello", cwd=root, env=_env()).returncode == 0
    os.utime(sif, (1, 1))  # older than the build
    assert run_cli("submit", "--dry-run", "hello", cwd=root, env=_env()).returncode == 65


def test_a_thousand_tasks_are_one_sbatch_call(
    project: Path, cluster: Cluster, tmp_path: Path
) -> None:
    (project / "many.txt").write_text("".join(f"sample{n}\n" for n in range(1000)))
    spy = tmp_path / "bin"  # counts the calls, then runs the real sbatch
    spy.mkdir()
    calls = tmp_path / "calls.log"
    real = shutil.which("sbatch")
    (spy / "sbatch").write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {real} "$@"\n')
    (spy / "sbatch").chmod(0o755)
    env = dict(_env(cluster), PATH=f"{spy}:{os.environ['PATH']}")
    proc = run_cli("submit", "--array", "many.txt", "align", cwd=project, env=env)
    assert proc.returncode == 0, proc.stderr
    job_id = proc.stdout.strip()
    try:
        assert len(calls.read_text().splitlines()) == 1
        shown = cluster.run("scontrol", "show", "job", "--oneliner", job_id).stdout
        tasks: set[int] = set()  # the started tasks, and the range still pending
        for value in re.findall(r"ArrayTaskId=(\S+)", shown):
            for part in value.split("%")[0].split(","):
                first, _, last = part.partition("-")
                tasks |= set(range(int(first), int(last or first) + 1))
        assert tasks == set(range(1, 1001))
    finally:
        cluster.run("scancel", job_id)

    def gone() -> bool:
        queue = cluster.run("squeue", "--noheader", "--jobs", job_id, check=False)
        return queue.returncode != 0 or not queue.stdout.strip()

    wait_for(gone, 60, f"job {job_id} to leave the queue")


def test_dry_run_of_a_sif_job_matches_the_golden(project: Path) -> None:
    root = project.parent / "golden"
    shutil.copytree(project, root, symlinks=True, ignore=shutil.ignore_patterns("slurm"))
    config = root / "anysnake2.toml"
    text = config.read_text().replace('[slurm]\npartition = "debug"\n', "")
    text += """
[cmd.mapped]
run = 'align.sh "$@"'
pre_run_outside = "echo before"
while_run_outside = "sleep 100"
post_run_outside = "echo after $ANYSNAKE2_RUN_STATUS"

[cmd.mapped.slurm]
time = "02:00:00"
mem = "16G"
cpus = 8
gpus = 1
max_parallel = 10

[slurm]
partition = "short"
account = "ag-lab"
image = "sif"
sbatch_options = ["--constraint=avx2"]
"""
    config.write_text(text)
    env = _env()
    env["HOME"] = str(root / "home")
    assert run_cli("build", "rootfs", cwd=root, env=env).returncode == 0
    (root / ".anysnake2_flake" / "result.sif").write_text("stands in for the SIF file\n")
    args = ["--array", "1-100", "--after", "123", "--sbatch-option=--mail-type=END"]
    proc = run_cli("submit", "--dry-run", *args, "mapped", "it's", cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    real = os.path.realpath(root)
    script = re.sub(r"\d{8}-\d{6}", "STAMP", proc.stdout.replace(real, "/ROOT"))
    script = re.sub(r"a2-golden-[0-9a-f]{6}", "a2-golden-HASH", script)
    golden = GOLDEN / "slurm_sif_dry_run.golden"
    if os.environ.get("ANYSNAKE2_UPDATE_GOLDEN") == "1":
        golden.write_text(script)
    assert script == golden.read_text()
    assert not list((root / ".anysnake2_flake" / "slurm" / "mapped").iterdir())  # dry run


def test_bwrap_jobs_bind_the_gpus_of_their_node(project: Path, tmp_path: Path) -> None:
    """The script finds the node's devices and driver libraries when the job starts; its
    bash finds the same libraries as runtime.gpu does on a host (fake /dev and ldconfig)."""
    from anysnake2.runtime import gpu

    text = (project / "anysnake2.toml").read_text()
    root = tmp_path / "gpu-project"
    shutil.copytree(project, root, symlinks=True, ignore=shutil.ignore_patterns("slurm"))
    (root / "anysnake2.toml").write_text(text.replace("max_parallel = 2", "gpus = 1"))
    assert run_cli("build", "rootfs", cwd=root, env=_env()).returncode == 0
    proc = run_cli("submit", "--dry-run", "align", cwd=root, env=_env())
    assert proc.returncode == 0, proc.stderr
    script = proc.stdout
    assert "#SBATCH --gpus=1\n" in script and "--dev-bind" not in script.split("gpu=()")[0]
    assert '  "${slurm_env[@]}" \\\n  "${gpu[@]}" \\\n  --chdir ' in script
    block = script[script.index("# the GPUs of this node") : script.index("/bin/bwrap")]
    block = block[: block.rindex("fi\n") + 3]
    dev = tmp_path / "dev"
    dev.mkdir()
    (dev / "nvidia0").write_text("")
    lib = tmp_path / "driver"
    lib.mkdir()
    listing = "\tlibcuda.so.1 (libc6,x86-64, OS ABI: Linux 3.2.0) => /drv/libcuda.so.1\n"
    listing += "\tlibcuda.so.1 (libc6,x86-64) => /old/libcuda.so.1\n"
    listing += "\tlibnvidia-ml.so.1 (libc6) => /i386/libnvidia-ml.so.1\n"
    listing += "\tlibz.so.1 (libc6,x86-64) => /lib/libz.so.1\n"
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ldconfig").write_text(f"#!/bin/sh\ncat <<'EOF'\n{listing}EOF\n")
    (fake / "ldconfig").chmod(0o755)
    block = block.replace("/dev/nvidia*", f"{dev}/nvidia*")
    result = subprocess.run(
        ["bash", "-c", block + 'printf "%s\\n" "${gpu[@]}"'],
        env={"PATH": f"{fake}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    expected = gpu.gpu_binds(str(dev), listing)
    want = [item for host, _ in expected.devices for item in ("--dev-bind", host, host)]
    want += [item for pair in expected.libraries for item in ("--ro-bind", *pair)]
    want += ["--setenv", "LD_LIBRARY_PATH", "/run/opengl-driver/lib"]
    assert result.stdout.splitlines() == want
