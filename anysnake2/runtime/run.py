"""Run a command in the container: scripts, runtime argv, hooks, exit status.

The sequence for `[cmd.<name>]`: `pre_run_outside` on the host (failure aborts with 70),
`while_run_outside` started on the host, the container (`pre_run_inside`, `run` with the
arguments as `$@`, `post_run_inside` always), `while_run_outside` stopped with its
children, `post_run_outside` on the host (failure warns). `run -- ARGV` runs ARGV alone,
without hooks. With a terminal, all of it runs inside a dtach session (runtime.dtach).

The exit status is the status of `run` (128+N when killed by signal N). The original
returned the status of `post_run_inside` (the last command of its `outer_run.sh`), so a
failing `run` with a successful post hook reported success; here `post_run_inside` sees the
status in `ANYSNAKE2_RUN_STATUS` (and `ANYSNAKE_RUN_STATUS`) and cannot hide it.

Only the standard library is used on the way to the container start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .. import _log
from ..model import Command, Project
from . import scripts, start
from .container import (
    ContainerSpec,
    container_argv,
    make_env,
    referenced,
    resolve_volumes,
    substitute_env,
)
from .detect import Runtime, detect_runtime

__all__ = [
    "Extras",
    "Prepared",
    "editable_extras",
    "prepare",
    "resolve_home",
    "run_command",
    "scripts_dir",
    "session_allowed",
]


@dataclass(frozen=True)
class Extras:
    """What editable packages add: writable binds of their checkouts and read-only binds of
    their console scripts (host, container), PATH and PYTHONPATH entries."""

    binds_rw: tuple[tuple[str, str], ...] = ()
    binds: tuple[tuple[str, str], ...] = ()
    path_entries: tuple[str, ...] = ()
    pythonpath: tuple[str, ...] = ()


def editable_extras(project: Project, root: Path) -> Extras:
    """The binds and search paths of the editable packages (runtime.editables).

    Each checkout is bound at `/anysnake2/editable/<name>` (a bind, so an edit on the host
    shows at the next run without a rebuild; writable: it is the user's working copy, edited
    from inside too, and Python caches bytecode there), its import root goes on PYTHONPATH,
    and its generated console scripts (`.anysnake2_flake/editable_bin/<name>`, rewritten
    here when the entry points changed) are bound at `/anysnake2/editable_bin/<name>` and
    put on PATH. The generated site folder (their dist-info: metadata and entry points for
    `importlib.metadata` and pip) is bound read-only at `/anysnake2/editable_site` and
    follows them on PYTHONPATH. FailureError (70) when a checkout is missing.
    """
    from .editables import SITE_ROOT, editable_mounts, site_dir

    real_root = Path(os.path.realpath(root))
    mounts = editable_mounts(project, real_root)
    if not mounts:
        return Extras()
    site = ((str(site_dir(real_root)), SITE_ROOT),)
    return Extras(
        binds_rw=tuple((str(m.host_path), m.container_path) for m in mounts),
        binds=tuple((str(m.scripts_host_path), m.path_entry) for m in mounts) + site,
        path_entries=tuple(m.path_entry for m in mounts),
        pythonpath=(*(m.pythonpath_entry for m in mounts), SITE_ROOT),
    )


def scripts_dir(root: Path, name: str) -> Path:
    """`<root>/.anysnake2_flake/run_scripts/<name>` (`run` for `run --`)."""
    return root / ".anysnake2_flake" / "run_scripts" / name


def session_allowed(project: Project) -> bool:
    """False when `[anysnake2] dtach` or `[container] dtach` is false (default: on)."""
    return project.anysnake2.dtach is not False and project.container.dtach is not False


def _substitution_env(root: Path, host_env: Mapping[str, str]) -> dict[str, str]:
    return {**host_env, "ANYSNAKE2_ROOT": str(root), "ANYSNAKE_ROOT": str(root)}


def resolve_home(project: Project, root: Path, host_env: Mapping[str, str]) -> Path:
    """`[container] home` (substituted, relative to the root) or $HOME; created if missing."""
    raw = project.container.home or host_env.get("HOME") or os.path.expanduser("~")
    value, missing = substitute_env(raw, _substitution_env(root, host_env))
    for name in missing:
        _log.warn(f"container.home {raw!r}: ${name} is not set on the host; kept as written")
    path = Path(os.path.expanduser(value))
    if not path.is_absolute():
        from .._values import resolve_inside

        path = Path(resolve_inside(root, str(path), "container.home"))
    if not path.exists():
        _log.note(f"creating the container home {path}")
        path.mkdir(parents=True, exist_ok=True)
    return Path(os.path.realpath(path))


def _user_and_group(uid: int, gid: int, host_env: Mapping[str, str]) -> tuple[str, str]:
    import grp
    import pwd

    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = host_env.get("USER") or f"user{uid}"
    try:
        group = grp.getgrgid(gid).gr_name
    except KeyError:
        group = user
    return user, group


def _referenced_names(project: Project) -> list[str]:
    """The host variables the container's argv depends on (for the stored host facts)."""
    container = project.container
    texts = [*project.env.values(), *container.env.values(), container.home or ""]
    texts += [*container.volumes_ro, *container.volumes_rw]
    names = {name for text in texts for name in referenced(text)}
    return sorted(names - {"ANYSNAKE2_ROOT", "ANYSNAKE_ROOT"})


@dataclass(frozen=True)
class Prepared:
    """A command ready to start: its argv, scripts folder and the command (None: run --)."""

    name: str
    command: Command | None
    argv: list[str]
    directory: Path
    runtime: Runtime


def _container_env(
    project: Project, substitution: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """`[env]` updated by `[container.env]`, substituted, with the nesting marker."""
    env = make_env(project.env, project.container.env, substitution)
    # Marks the inside of our containers, so that anysnake2 there refuses to nest.
    return tuple(sorted({**dict(env), "ANYSNAKE2_INSIDE": "1"}.items()))


def _spec(
    project: Project,
    root: Path,
    rootfs: Path,
    runtime: Runtime,
    extras: Extras,
    host_env: Mapping[str, str],
    directory: Path,
    files: dict[str, str],
) -> ContainerSpec:
    """The container of `project` (its volumes, env, home; for bwrap the passwd and group
    files, added to `files`)."""
    home = resolve_home(project, root, host_env)
    substitution = _substitution_env(root, host_env)
    container, origin = project.container, project.origin
    volumes_ro = resolve_volumes(
        container.volumes_ro, root, substitution, kind="volumes_ro", config=origin
    )
    volumes_rw = resolve_volumes(
        container.volumes_rw, root, substitution, kind="volumes_rw", config=origin
    )
    uid, gid = os.getuid(), os.getgid()
    if runtime.name == "bwrap":
        user, group = _user_and_group(uid, gid, host_env)
        files["passwd"] = scripts.passwd_text(user, uid, gid, str(home))
        files["group"] = scripts.group_text(group, gid)
    return ContainerSpec(
        runtime=runtime.name,
        binary=runtime.binary,
        rootfs=Path(rootfs),
        project_root=root,
        home=home,
        scripts_dir=directory,
        scripts=tuple(s for s in scripts.INSIDE_SCRIPTS if s in files),
        volumes_ro=volumes_ro,
        volumes_rw=(*volumes_rw, *extras.binds_rw),
        env=_container_env(project, substitution),
        extra_binds=extras.binds,
        path_entries=extras.path_entries,
        pythonpath=extras.pythonpath,
        passwd=directory / "passwd" if "passwd" in files else None,
        group=directory / "group" if "group" in files else None,
        uid=uid,
        gid=gid,
        term=host_env.get("TERM"),
    )


def _stored_files(
    project: Project, spec: ContainerSpec, root: Path, name: str, host_env: Mapping[str, str]
) -> dict[str, str]:
    """The runtime's bash script and what the warm path starts from (`runtime.start`)."""
    names = [*_referenced_names(project), "TERM"]
    names += [] if project.container.home else ["HOME"]
    return {
        f"{spec.runtime}.bash": scripts.runtime_bash(
            container_argv(spec), root, name, spec.runtime
        ),
        start.HOST_FILE: "\0".join(start.host_facts(names, host_env, root)),
        start.ARGV_FILE: "\0".join(container_argv(spec)),
        start.SESSION_FILE: "on\n" if session_allowed(project) else "off\n",
    }


def prepare(
    project: Project,
    root: Path,
    name: str,
    command: Command | None,
    args: Sequence[str],
    *,
    rootfs: Path,
    runtime: Runtime | None = None,
    extras: Extras | None = None,
    host_env: Mapping[str, str] | None = None,
    directory: Path | None = None,
    gpu: bool | None = None,
) -> Prepared:
    """Write the run scripts of `name` and build the runtime argv (nothing is started).

    `extras` defaults to the project's editable packages (`editable_extras`); `directory`
    to `scripts_dir(root, name)`; `gpu` to `[container] gpu` (runtime.gpu).
    """
    host_env = dict(os.environ if host_env is None else host_env)
    root = Path(os.path.realpath(root))
    if extras is None:
        extras = editable_extras(project, root)
    runtime = runtime or detect_runtime(project.container.runtime)
    directory = scripts_dir(root, name) if directory is None else directory
    files = scripts.render_scripts(name, command)
    spec = _spec(project, root, rootfs, runtime, extras, host_env, directory, files)
    if project.container.gpu if gpu is None else gpu:
        from .gpu import with_gpu

        spec = with_gpu(spec)
    files.update(_stored_files(project, spec, root, name, host_env))
    scripts.write_files(directory, files)
    argv = container_argv(replace(spec, args=tuple(args)))
    return Prepared(name, command, argv, directory, runtime)


def run_command(
    project: Project,
    root: Path,
    name: str,
    command: Command | None,
    args: Sequence[str],
    *,
    rootfs: Path,
    runtime: Runtime | None = None,
    extras: Extras | None = None,
) -> int:
    """Run `[cmd.<name>]` (or `run -- ARGS` when `command` is None) with its hooks.

    Returns the status of `run`. FailureError (70) when pre_run_outside fails.
    """
    ready = prepare(
        project, root, name, command, args, rootfs=rootfs, runtime=runtime, extras=extras
    )
    return start.execute(
        ready.directory,
        Path(os.path.realpath(root)),
        name,
        ready.argv,
        dtach=session_allowed(project),
    )
