"""The batch script of `anysnake2 submit`: one command of the project as a Slurm job.

The script is plain bash that needs nothing of anysnake2 on the node: it runs the host
hooks of the command (`pre_run_outside`, `while_run_outside`, `post_run_outside`, with the
semantics of runtime.hooks) around the runtime command line that `anysnake2 CMD` runs (the
run scripts of `.anysnake2_flake/slurm/<cmd>/<time>/`, written by `runtime.run.prepare`),
without dtach. The job's `SLURM_*` variables are passed into the container (bwrap:
`--setenv`; apptainer/singularity: `APPTAINERENV_*`/`SINGULARITYENV_*`, which `--cleanenv`
keeps). An array task of a task file gets its line (line N for task N) as the last
argument; everything the user typed is quoted with `shlex.quote`.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from ..model_slurm import Slurm
from .scripts import _ARITY, _grouped

__all__ = ["BatchJob", "batch_script", "sbatch_directives"]

_BASH = "bash -e -u -o pipefail"


class BatchJob(NamedTuple):
    """Everything a batch script is made of; paths absolute.

    `argv` is the runtime command line without the user's arguments; `hooks` the host hooks
    the command has (names as in runtime.scripts.OUTSIDE_HOOKS); `array` the `--array` value
    (None: a single job); `tasks` the task file whose line N is task N's last argument.
    `node_gpu` (bwrap only) asks for the GPUs of the node the job runs on: its value is the
    `ldconfig -p` architecture tag (e.g. "x86-64") of the driver libraries to bind.
    """

    command: str
    job_name: str
    root: Path
    settings: Slurm
    runtime: str
    argv: tuple[str, ...]
    scripts_dir: Path
    hooks: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    array: str | None = None
    tasks: Path | None = None
    after: str | None = None
    node_gpu: str | None = None


def sbatch_directives(job: BatchJob) -> list[str]:
    """The `#SBATCH` lines: job name, the settings, array and dependency."""
    settings = job.settings
    options = [f"--job-name={job.job_name}"]
    for key, option in (
        ("partition", "--partition"),
        ("account", "--account"),
        ("qos", "--qos"),
        ("time", "--time"),
        ("mem", "--mem"),
        ("cpus", "--cpus-per-task"),
        ("gpus", "--gpus"),
    ):
        value = getattr(settings, key)
        if value is not None:
            options.append(f"{option}={value}")
    if job.array is not None:
        options.append(f"--array={job.array}")
    if job.after is not None:
        options.append(f"--dependency={job.after}")
    options += settings.sbatch_options
    return [f"#SBATCH {option}" for option in options]


def _arguments(job: BatchJob) -> list[str]:
    lines = ["args=(" + " ".join(shlex.quote(a) for a in job.args) + ")"]
    if job.tasks is None:
        return lines
    tasks = shlex.quote(str(job.tasks))
    return lines + [
        "# array task N gets line N of the task file as its last argument",
        f"mapfile -t tasks < {tasks}",
        'task="${SLURM_ARRAY_TASK_ID:-0}"',
        'if [ "$task" -lt 1 ] || [ "$task" -gt "${#tasks[@]}" ]; then',
        f'  echo "anysnake2: task $task has no line in "{tasks} >&2',
        "  exit 65",
        "fi",
        'args+=("${tasks[task - 1]}")',
    ]


def _slurm_env(runtime: str) -> list[str]:
    start = ["# the job's SLURM_* variables, passed into the container"]
    if runtime == "bwrap":
        action = 'slurm_env+=(--setenv "$name" "${!name}")'
        start.append("slurm_env=()")
    else:
        action = f'export "{runtime.upper()}ENV_$name=${{!name}}"'
    return [
        *start,
        "for name in $(compgen -e); do",
        '  case "$name" in',
        f"    SLURM_*) {action} ;;",
        "  esac",
        "done",
    ]


def _node_gpu(job: BatchJob) -> list[str]:
    """bwrap: bind the node's /dev/nvidia* and NVIDIA driver libraries (as runtime.gpu does
    on the submitting host), found when the job starts."""
    if job.node_gpu is None:
        return []
    from .gpu import DRIVER_DIR

    argv = job.argv
    user_path = next(
        (
            argv[i + 2]
            for i in range(len(argv) - 2)
            if argv[i : i + 2] == ("--setenv", "LD_LIBRARY_PATH")
        ),
        None,
    )
    path = DRIVER_DIR + (f":{user_path}" if user_path else "")
    names = "libcuda.so*|libcudadebugger.so*|libnvidia-*.so*|libnvcuvid.so*|libnvoptix.so*"
    return [
        "# the GPUs of this node: /dev/nvidia* and the driver libraries of ldconfig -p",
        "gpu=()",
        "for dev in /dev/nvidia*; do",
        '  if [ -e "$dev" ]; then gpu+=(--dev-bind "$dev" "$dev"); fi',
        "done",
        "declare -A seen=()",
        "while read -r line; do",
        '  lib="${line%% *}" path="${line##*=> }"',
        f'  case "$line" in *{shlex.quote(job.node_gpu)}*) ;; *) continue ;; esac',
        f'  case "$lib" in {names}) ;; *) continue ;; esac',
        '  if [ -z "${seen[$lib]:-}" ]; then',
        f'    seen[$lib]=1; gpu+=(--ro-bind "$path" {DRIVER_DIR}/"$lib")',
        "  fi",
        "done < <(PATH=$PATH:/sbin:/usr/sbin ldconfig -p 2>/dev/null)",
        f'if [ "${{#seen[@]}}" -gt 0 ]; then gpu+=(--setenv LD_LIBRARY_PATH {shlex.quote(path)}); fi',
    ]


def _container(job: BatchJob) -> list[str]:
    """The runtime command line, one option per line, SLURM_* (and the node's GPUs) spliced
    in before `--chdir` (bwrap)."""
    argv = list(job.argv)
    lines = _grouped(argv, _ARITY[job.runtime])
    if job.runtime == "bwrap":
        at = next(i for i, line in enumerate(lines) if line.startswith("--chdir "))
        lines.insert(at, '"${slurm_env[@]}"')
        if job.node_gpu is not None:
            lines.insert(at + 1, '"${gpu[@]}"')
    body = [f"  {line} \\" for line in lines[1:]]
    return [f"{lines[0]} \\", *body, '  "${args[@]}"', "status=$?"]


def _hooks_before(job: BatchJob) -> list[str]:
    scripts = shlex.quote(str(job.scripts_dir))
    lines = []
    if "pre_run_outside" in job.hooks:
        lines += [
            f"if ! {_BASH} {scripts}/pre_run_outside.sh; then",
            (
                f'  echo "anysnake2: pre_run_outside of [cmd.{job.command}] failed; '
                'the container was not started" >&2'
            ),
            "  exit 70",
            "fi",
        ]
    if "while_run_outside" in job.hooks:
        lines += [f"setsid {_BASH} {scripts}/while_run_outside.sh &", "while_pid=$!"]
    return lines


def _hooks_after(job: BatchJob) -> list[str]:
    scripts = shlex.quote(str(job.scripts_dir))
    lines = []
    if "while_run_outside" in job.hooks:
        lines += [
            'kill -TERM -- "-$while_pid" 2>/dev/null',
            'wait "$while_pid" 2>/dev/null',
        ]
    if "post_run_outside" in job.hooks:
        lines += [
            'export ANYSNAKE2_RUN_STATUS="$status" ANYSNAKE_RUN_STATUS="$status"',
            f"{_BASH} {scripts}/post_run_outside.sh ||",
            f'  echo "warning: post_run_outside of [cmd.{job.command}] failed" >&2',
        ]
    return lines


def batch_script(job: BatchJob, image: str, sbatch_argv: Sequence[str]) -> str:
    """The text of the batch script of `job`; `image` ("sif" or "rootfs") and the
    `sbatch_argv` that submits it are named in comments."""
    root = shlex.quote(str(job.root))
    lines: Sequence[str] = [
        "#!/bin/bash",
        *sbatch_directives(job),
        f"# generated by anysnake2 submit for [cmd.{job.command}]: its run scripts",
        f"# ({job.scripts_dir}) in the container, image {image} with {job.runtime}, no dtach",
        f"# submitted with: {shlex.join(sbatch_argv)}",
        f"cd {root} || exit 70",
        f"export ANYSNAKE2_ROOT={root} ANYSNAKE_ROOT={root}",
        *_arguments(job),
        *_slurm_env(job.runtime),
        *_node_gpu(job),
        *_hooks_before(job),
        *_container(job),
        *_hooks_after(job),
        'exit "$status"',
    ]
    return "\n".join(lines) + "\n"
