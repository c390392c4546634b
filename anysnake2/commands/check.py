"""`anysnake2 check`: read and validate the config, print a short normalized summary.

Warnings (keys without effect here) are printed on stderr when the project loads; the
summary goes to stdout. Exit 0 when the config is valid, 65 (with file and line) if not.
With `--locked` (for CI): also 65 when a value is not recorded yet or the Python lock is
not the one the config asks for; nothing is resolved, locked, built or written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from ..context import Context
    from ..model import Input, Nixpkgs, Project

__all__ = ["main", "require_recorded", "summary"]


def _pin(item: Input | Nixpkgs) -> str:
    parts = [item.url or "(default url)"]
    if item.ref:
        parts.append(f"branch {item.ref}")
    parts.append(f"rev {item.rev}" if item.rev else "rev to be resolved")
    return ", ".join(parts)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def summary(project: Project) -> list[str]:
    """The lines `check` prints for `project` (deterministic)."""
    lines = []
    if project.anysnake2.version:
        lines.append(f"anysnake2: version {project.anysnake2.version}")
    for name, nixpkgs in (
        ("nixpkgs", project.nixpkgs),
        ("outside_nixpkgs", project.outside_nixpkgs),
    ):
        if nixpkgs is not None:
            packages = nixpkgs.packages or ()
            lines.append(f"{name}: {_pin(nixpkgs)}; {_plural(len(packages), 'package')}")
    python = project.python
    if python is not None:
        editable = sum(1 for p in python.packages.values() if p.editable)
        text = f"python: {python.version}, ecosystem date {python.ecosystem_date or 'today (to be recorded)'}; "
        text += _plural(len(python.packages), "package")
        if editable:
            text += f" ({editable} editable)"
        lines.append(text)
    if project.r is not None:
        r = project.r
        when = (
            f"date {r.date}"
            if r.date
            else (f"ecosystem_tag {r.ecosystem_tag}" if r.ecosystem_tag else "date to be resolved")
        )
        lines.append(f"R: {when}; {_plural(len(r.packages), 'package')}")
    if project.rust is not None:
        lines.append(f"rust: {project.rust.version or 'newest stable (to be resolved)'}")
    if project.flakes:
        lines.append(f"flakes: {', '.join(sorted(project.flakes))}")
    if project.clones:
        counts = ", ".join(f"{d} ({len(e)})" for d, e in sorted(project.clones.items()))
        lines.append(f"clones: {counts}")
    container = project.container
    volumes = len(container.volumes_ro) + len(container.volumes_rw)
    lines.append(
        f"container: runtime {container.runtime or 'auto'}; {_plural(volumes, 'volume')}; "
        f"{_plural(len(container.env) + len(project.env), 'environment variable')}"
    )
    if project.cmd:
        lines.append(f"commands: {', '.join(sorted(project.cmd))}")
    lines += _cluster_lines(project)
    if project.dev_shell is not None:
        lines.append(f"dev_shell: {project.dev_shell.shell or 'bash'}")
    if project.inputs:
        lines.append("pinned helper inputs: " + ", ".join(sorted(project.inputs)))
    lines += _other_sections(project)
    from ..resolve.pins import requests_for

    open_values = requests_for(project)
    if open_values:
        lines.append(
            "to resolve and record at the next build or 'anysnake2 lock': "
            + "; ".join(r.describe() for r in open_values)
        )
    return lines


# the sections summarized above (clone_options only changes how clones are made)
_SUMMARIZED = {"anysnake2", "nixpkgs", "outside_nixpkgs", "python", "r", "rust", "flakes"}
_SUMMARIZED |= {"clones", "clone_options", "container", "env", "cmd", "dev_shell", "inputs"}
_SUMMARIZED |= {"slurm"}


def _other_sections(project: Project) -> list[str]:
    """`section: key value, ...` for a section of the model without a line of its own."""
    from .._schema import describe, is_set, keys, toml_name

    lines = []
    for f in keys(type(project)):
        value = getattr(project, f.name)
        if f.name not in _SUMMARIZED and is_set(f, value):
            lines.append(f"{toml_name(f)}: {describe(value) or 'defaults'}")
    return lines


def _cluster_lines(project: Project) -> list[str]:
    """GPU and `[slurm]` lines: the project's defaults and each command's merged table."""
    lines = []
    if project.container.gpu:
        lines.append("gpu: on (CUDA builds, the host's driver in the container)")
    if project.slurm is not None:
        lines.append(f"slurm: {project.slurm.describe()}")
    for name, command in sorted(project.cmd.items()):
        if command.slurm is not None:
            lines.append(f"slurm for {name}: {command.slurm.over(project.slurm).describe()}")
    return lines


def main(ctx: Context, args: list[str]) -> int:
    """Load the project (raising its ConfigError if invalid) and print the summary."""
    if args:
        raise UsageError(f"check takes no arguments, got {' '.join(args)}", hint="anysnake2 check")
    from ..pipeline import check_project

    project = ctx.project
    check_project(project, ctx.config_path)
    if ctx.locked:
        require_recorded(ctx)
    if ctx.json:
        from ._json import emit, pins

        emit(
            "check",
            config=str(ctx.config_path),
            **pins(project),
            summary=summary(project),
            commands=sorted(project.cmd),
        )
        return 0
    print(f"{ctx.config_path}: ok")
    for line in summary(project):
        print(f"  {line}")
    from .. import _log
    from ..runtime.gpu import no_driver_warning

    warning = no_driver_warning(project)
    if warning is not None:
        _log.warn(warning)
    return 0


def require_recorded(ctx: Context) -> None:
    """ConfigError (65) unless every pin is recorded and the Python lock is current."""
    from ..errors import ConfigError
    from ..resolve.pins import pin_project
    from ..resolve.python_lock import LOCK_NAME, python_lock_is_current

    project = pin_project(ctx.project, ctx.root, ctx.config_path, offline=True, locked=True)
    if project.python is not None and not python_lock_is_current(project, ctx.root):
        from ..render.support import _finder

        finder = _finder(ctx.config_path)
        raise ConfigError(
            f"--locked: {ctx.root / LOCK_NAME} is missing or was made for other Python "
            "packages, ecosystem date or Python version",
            hint="run 'anysnake2 lock' and commit anysnake2.uv.lock",
            file=str(ctx.config_path),
            line=finder.line("python") if finder is not None else None,
        )
