"""`anysnake2 submit [OPTIONS] CMD [ARGS...]`: run `[cmd.CMD]` as a Slurm job.

A compute node resolves and builds nothing (`--locked` semantics): submit refuses (65)
while a value is not recorded, the Python lock is stale, the rootfs is not built from the
current config, or (image "sif") `.anysnake2_flake/result.sif` is missing or older than
the rootfs (`--build` builds them here first, from the recorded pins). It writes the run
scripts to `.anysnake2_flake/slurm/<cmd>/<time>/` (one folder per submission: a job
waiting in the queue runs the command as it was when submitted, even if the config changes
meanwhile), the batch script (runtime.slurm_script) to
`.anysnake2_flake/slurm/<cmd>/<time>.sbatch`, calls `sbatch` and prints the job id.
Options: `--dry-run` (print the script, submit nothing), `--array FILE|RANGE` (FILE: one task per non-empty line, the line is the task's last
argument; RANGE such as `1-100`), `--after JOBID` (`afterok:JOBID`; `afterany:JOBID` and
other dependency forms pass as they are), `--sbatch-option OPT` (repeatable, to sbatch).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .. import _log
from ..errors import ConfigError, UsageError

if TYPE_CHECKING:
    from ..context import Context
    from ..model import Project
    from ..model_slurm import Slurm
    from ..runtime.detect import Runtime
    from ..runtime.slurm_script import BatchJob

__all__ = ["SubmitArgs", "main", "parse_args"]

USAGE = (
    "anysnake2 submit [--dry-run] [--build] [--array FILE|RANGE] [--after JOBID] "
    "[--sbatch-option OPT]... CMD [ARGS...]"
)
_VALUED = ("--array", "--after", "--sbatch-option")


class SubmitArgs:
    """The parsed command line of `submit` (a plain class: a dataclass costs start-up time)."""

    def __init__(self) -> None:
        self.command = ""
        self.args: list[str] = []
        self.dry_run = False
        self.build = False
        self.array: str | None = None
        self.after: str | None = None
        self.sbatch_options: list[str] = []


def parse_args(argv: list[str]) -> SubmitArgs:
    """Options first, then CMD; everything after CMD (or after `--`) are its arguments."""
    parsed = SubmitArgs()
    rest = list(argv)
    while rest and rest[0].startswith("-") and rest[0] != "--":
        option = rest.pop(0)
        value = None
        if "=" in option:
            option, value = option.split("=", 1)
        if option in ("--dry-run", "--build") and value is None:
            setattr(parsed, option[2:].replace("-", "_"), True)
            continue
        if option not in _VALUED:
            raise UsageError(f"submit: unknown option {option}", hint=USAGE)
        if value is None:
            if not rest:
                raise UsageError(f"submit: {option} needs a value", hint=USAGE)
            value = rest.pop(0)
        if option == "--sbatch-option":
            parsed.sbatch_options.append(value)
        else:
            setattr(parsed, option[2:], value)
    if rest[:1] == ["--"]:
        rest.pop(0)
    if not rest:
        raise UsageError("submit: which command? name a [cmd.*] of the project", hint=USAGE)
    parsed.command, parsed.args = rest[0], rest[1:]
    return parsed


def _settings(project: Project, name: str) -> Slurm:
    from ..model_slurm import Slurm

    command = project.cmd[name]
    if command.slurm is None:
        return project.slurm or Slurm()
    return command.slurm.over(project.slurm)


def _build(ctx: Context, image: str) -> None:
    """`--build`: build what is not current, from the recorded pins only (nothing resolves)."""
    from ..pipeline import ensure_built

    ctx.locked = True
    ensure_built(ctx)
    if image == "sif" and _sif_stale(ctx.root) is not None:
        from ..pipeline import build_sif

        build_sif(ctx)


def _sif_stale(root: Path) -> Path | None:
    """The SIF's path when it is missing or older than the last build, else None."""
    from ..runtime import state
    from ..runtime.build import flake_dir_of
    from ..runtime.sif import SIF_FILE

    sif = flake_dir_of(root) / SIF_FILE
    built = flake_dir_of(root) / state.STATE_FILE
    if not sif.exists() or sif.stat().st_mtime < built.stat().st_mtime:
        return sif
    return None


def _require_ready(ctx: Context, image: str, build: bool = False) -> Path:
    """The image to run (rootfs folder or SIF); 65 unless everything is pinned and built
    (`build`: built here first, from the recorded pins)."""
    from .._version import __version__
    from ..runtime import state
    from ..runtime.build import flake_dir_of, rootfs_of
    from .check import require_recorded

    require_recorded(ctx)
    if build:
        _build(ctx, image)
    root = ctx.root
    if not state.is_fresh(str(root), __version__):
        raise ConfigError(
            "submit: the environment is not built from the current config; a compute node "
            "builds nothing",
            hint="run 'anysnake2 build rootfs' here first, or submit --build",
            file=os.fspath(ctx.config_path),
        )
    if image == "rootfs":
        return rootfs_of(root)
    stale = _sif_stale(root)
    if stale is not None:
        raise ConfigError(
            f'submit: {stale} is missing or older than the rootfs ([slurm] image = "sif")',
            hint="run 'anysnake2 build sif' here first, or submit --build",
            file=os.fspath(ctx.config_path),
        )
    from ..runtime.sif import SIF_FILE

    return flake_dir_of(root) / SIF_FILE


def _array(ctx: Context, parsed: SubmitArgs, settings: Slurm) -> tuple[str | None, list[str]]:
    """(the --array value, the task lines) from `--array` or the settings' `array`."""
    from ..model_slurm import is_range

    value = parsed.array if parsed.array is not None else settings.array
    if value is None:
        return None, []
    limit = f"%{settings.max_parallel}" if settings.max_parallel else ""
    if is_range(value):
        return value + ("" if "%" in value else limit), []
    base = ctx.cwd if parsed.array is not None else ctx.root
    path = base / value
    if not path.is_file():
        if parsed.array is not None:
            raise UsageError(f"submit --array: {path} is neither a file nor a range like 1-100")
        raise ConfigError(
            f"[cmd.{parsed.command}.slurm] array: the task file {path} does not exist",
            file=os.fspath(ctx.config_path),
        )
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        raise UsageError(f"submit: the task file {path} has no lines, so no tasks")
    return f"1-{len(lines)}{limit}", lines


def _dependency(after: str | None) -> str | None:
    """`--dependency` for `--after`: a job id means afterok; `TYPE:ID[:ID]` stays."""
    import re

    if after is None:
        return None
    if re.match(r"^\d+(_\d+)?$", after):
        return f"afterok:{after}"
    if not re.match(r"^[a-z]+:[0-9_:+]+([,?][a-z]+:[0-9_:+]+)*$", after):
        raise UsageError(
            f"submit --after: {after!r} is neither a job id nor a Slurm dependency",
            hint="e.g. --after 1234, --after 1234_5 or --after afterany:1234:1235",
        )
    return after


def _runtime(project: Project, image: str) -> Runtime:
    """The runtime on the nodes: the project's for the rootfs; apptainer/singularity (the
    one the config names, else apptainer, found on the node's PATH) for the SIF."""
    from .. import _proc
    from ..runtime.detect import Runtime, detect_runtime

    if image == "rootfs":
        return detect_runtime(project.container.runtime)
    configured = project.container.runtime
    name = configured if configured in ("apptainer", "singularity") else "apptainer"
    return Runtime(name, _proc.which(name) or name, "")


def _batch_job(
    ctx: Context, parsed: SubmitArgs, settings: Slurm, stamp: str
) -> tuple[BatchJob, list[str], str]:
    """The job to write: (BatchJob, task lines, image)."""
    from ..runtime.run import prepare
    from ..runtime.scripts import OUTSIDE_HOOKS
    from ..runtime.slurm import job_name, slurm_dir
    from ..runtime.slurm_script import BatchJob

    project, name = ctx.project, parsed.command
    image = settings.image or "rootfs"
    array, tasks = _array(ctx, parsed, settings)
    after = _dependency(parsed.after)
    target = _require_ready(ctx, image, parsed.build)
    command = project.cmd[name]
    folder = slurm_dir(ctx.root) / name
    host_env = {k: v for k, v in os.environ.items() if k != "TERM"}
    runtime = _runtime(project, image)
    gpu = bool(settings.gpus) or bool(project.container.gpu)
    # bwrap binds the GPUs of the node the job runs on, found there (not this host's)
    node_gpu = runtime.name == "bwrap" and gpu
    ready = prepare(
        project,
        ctx.root,
        name,
        command,
        [],
        rootfs=target,
        runtime=runtime,
        host_env=host_env,
        directory=folder / stamp,
        gpu=gpu and not node_gpu,
    )
    argv = list(ready.argv)
    if image == "sif":  # the SIF holds its /nix/store; the node may have none
        at = argv.index("/nix/store:/nix/store:ro")
        del argv[at - 1 : at + 1]
    job = BatchJob(
        command=name,
        job_name=job_name(ctx.root, name),
        root=Path(os.path.realpath(ctx.root)),
        settings=settings,
        runtime=ready.runtime.name,
        argv=tuple(argv),
        scripts_dir=ready.directory,
        hooks=tuple(h for h in OUTSIDE_HOOKS if getattr(command, h) is not None),
        args=tuple(parsed.args),
        array=array,
        tasks=folder / f"{stamp}.tasks" if tasks else None,
        after=after,
        node_gpu=_arch_tag() if node_gpu else None,
    )
    return job, tasks, image


def _arch_tag() -> str:
    from ..runtime.gpu import arch_tag

    return arch_tag()


def _stamp(folder: Path) -> str:
    """A time stamp naming no existing batch script in `folder`."""
    base = time.strftime("%Y%m%d-%H%M%S")
    stamp, number = base, 1
    while (folder / f"{stamp}.sbatch").exists() or (folder / stamp).exists():
        number += 1
        stamp = f"{base}-{number}"
    return stamp


def main(ctx: Context, args: list[str]) -> int:
    """Submit `[cmd.CMD]` (or print its batch script with --dry-run)."""
    from ..runtime import slurm
    from ..runtime.slurm_script import batch_script

    parsed = parse_args(args)
    project = ctx.project
    if parsed.command not in project.cmd:
        known = ", ".join(sorted(project.cmd)) or "(none)"
        raise UsageError(
            f"submit: the project has no [cmd.{parsed.command}]", hint=f"its commands: {known}"
        )
    settings = _settings(project, parsed.command)
    folder = slurm.slurm_dir(ctx.root) / parsed.command
    stamp = _stamp(folder)
    job, tasks, image = _batch_job(ctx, parsed, settings, stamp)
    script = folder / f"{stamp}.sbatch"
    pattern = "%A_%a" if job.array is not None else "%j"
    log = slurm.log_file(job.root, parsed.command, pattern)
    options = [f"--output={log}", *parsed.sbatch_options]
    text = batch_script(job, image, ["sbatch", "--parsable", *options, str(script)])
    if parsed.dry_run:
        shutil.rmtree(job.scripts_dir)  # made for this print only (the stamp was new)
        print(text, end="")
        return 0
    log.parent.mkdir(parents=True, exist_ok=True)
    if job.tasks is not None:
        job.tasks.write_text("".join(line + "\n" for line in tasks))
    script.write_text(text)
    job_id = slurm.sbatch(script, options, cwd=job.root)
    count = f" ({len(tasks) or job.array} tasks)" if job.array is not None else ""
    _log.note(f"submitted [cmd.{parsed.command}] as job {job_id}{count}; logs: {log.parent}")
    print(job_id)
    return 0
