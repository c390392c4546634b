"""The container command line for bwrap, singularity and apptainer, from one spec.

`container_argv(spec)` is pure apart from reading the rootfs' directory listing (bwrap
needs one mount per top-level entry). One set of semantics for all three runtimes:

- rootless; the rootfs is `/`, the store path itself is never a mount point (bwrap:
  `--tmpfs /`, then each top-level entry read-only, `--symlink` for links), so
  `nix-store --verify-path` still passes after a run;
- `/nix/store` read-only, `/proc`, `/dev`, a fresh `/tmp`; generated `/etc/passwd` and
  `/etc/group` with the calling user; `/etc/resolv.conf` and `/etc/hosts` from the host
  (singularity and apptainer do these by themselves);
- `home` read-write at its own path, `HOME` set; the project root at its own path as the
  working directory (singularity and apptainer mount the current directory by default);
- volumes read-only or read-write, also at targets inside directories of the rootfs (bwrap:
  the directory chain is rebuilt on the tmpfs, since the rootfs' directories are read-only
  binds: a mount point cannot be made inside them);
- a clean environment: only `env` (already substituted, sorted), `PATH` (`/bin` plus the
  editables' bin folders) and `PYTHONPATH` (only when not empty), `HOME` (and `TERM`);
- the host network.

The singularity/apptainer argv is the original's, in its order:
`exec --userns --cleanenv --home H --bind /nix/store:/nix/store:ro --bind <scripts>
--bind <editables> --bind <volumes ro> --bind <volumes rw> --env K=V... ROOTFS /bin/bash
/anysnake2/outer_run.sh ARGS...`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .. import _log
from ..errors import ConfigError

__all__ = [
    "INSIDE",
    "ContainerSpec",
    "container_argv",
    "make_env",
    "referenced",
    "resolve_volumes",
    "substitute_env",
]

#: Where the run scripts appear inside the container.
INSIDE = "/anysnake2"

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")

Pair = tuple[str, str]


@dataclass(frozen=True)
class ContainerSpec:
    """Everything the runtime command line is made of; all host paths absolute.

    `scripts` are file names in `scripts_dir`, bound read-only at `/anysnake2/<name>`.
    `volumes_ro`/`volumes_rw`/`extra_binds` are (host path, container path) pairs;
    `extra_binds` (editable packages' console scripts) are read-only. `env` holds the user's
    variables, already substituted; PATH, PYTHONPATH and HOME are made here. `args` follow
    `/anysnake2/outer_run.sh` unchanged. `passwd`/`group` (bwrap only) are host files bound
    at `/etc/passwd` and `/etc/group`. `gpu` adds singularity/apptainer's `--nv`;
    `devices` (bwrap only) are host device nodes bound with `--dev-bind` (runtime.gpu).
    """

    runtime: str
    binary: str
    rootfs: Path
    project_root: Path
    home: Path
    scripts_dir: Path
    scripts: tuple[str, ...] = ("outer_run.sh",)
    volumes_ro: tuple[Pair, ...] = ()
    volumes_rw: tuple[Pair, ...] = ()
    env: tuple[Pair, ...] = ()
    extra_binds: tuple[Pair, ...] = ()
    path_entries: tuple[str, ...] = ()
    pythonpath: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    passwd: Path | None = None
    group: Path | None = None
    uid: int = 0
    gid: int = 0
    term: str | None = field(default=None)
    gpu: bool = False
    devices: tuple[Pair, ...] = ()

    def container_env(self) -> dict[str, str]:
        """PATH, PYTHONPATH (when not empty) and the user's env (which wins), sorted."""
        env = {"PATH": ":".join(("/bin", *self.path_entries))}
        if self.pythonpath:
            env["PYTHONPATH"] = ":".join(self.pythonpath)
        env.update(dict(self.env))
        return dict(sorted(env.items()))


def substitute_env(value: str, host_env: Mapping[str, str]) -> tuple[str, list[str]]:
    """Replace `$VAR` and `${VAR}` by host values; returns (text, names left undefined).

    An undefined variable stays as written (the caller warns). Unlike the original's plain
    substring replacement, `$HOMEDIR` is the variable HOMEDIR, never `$HOME` + "DIR".
    """
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name in host_env:
            return host_env[name]
        missing.append(name)
        return match.group(0)

    return _VAR.sub(replace, value), missing


def referenced(text: str) -> list[str]:
    """The names of the variables `text` refers to as `$VAR` or `${VAR}`."""
    return [m.group(1) or m.group(2) for m in _VAR.finditer(text)]


def make_env(
    env: Mapping[str, str], container_env: Mapping[str, str], host_env: Mapping[str, str]
) -> tuple[Pair, ...]:
    """`[env]` updated by `[container.env]` (the latter wins), substituted, sorted."""
    merged = dict(env)
    merged.update(container_env)
    result = []
    for key in sorted(merged):
        value, missing = substitute_env(merged[key], host_env)
        for name in missing:
            _log.warn(f"env {key}: ${name} is not set on the host; kept as written")
        result.append((key, value))
    return tuple(result)


def resolve_volumes(
    volumes: Mapping[str, str],
    project_root: Path,
    host_env: Mapping[str, str],
    *,
    kind: str,
    config: str | None = None,
) -> tuple[Pair, ...]:
    """(absolute host path, container path) pairs, sorted by container path.

    Host paths are relative to the project root, `$VAR` substituted, and must exist
    (ConfigError naming the volume, at its line of `config` when given, otherwise).
    """
    result = []
    for host, target in volumes.items():
        expanded, missing = substitute_env(host, host_env)
        for name in missing:
            _log.warn(f"container.{kind} {host!r}: ${name} is not set on the host")
        path = Path(os.path.expanduser(expanded))
        if not path.is_absolute():
            path = project_root / path
        if not os.path.exists(path):
            raise ConfigError(
                f"container.{kind}: {host!r} (for {target}) does not exist: {path}",
                hint=f"create it, or fix the path (relative paths start at {project_root})",
                file=config,
                line=_config_line(config, "container", kind, host),
            )
        result.append((os.path.realpath(path), os.path.normpath(target)))
    return tuple(sorted(result, key=lambda pair: _parts(pair[1])))


def _config_line(config: str | None, *path: str) -> int | None:
    """The line of `path` in a TOML `config` (None for an anysnake2.py or unreadable)."""
    if config is None or not config.endswith(".toml"):
        return None
    from .._config_text import read_config
    from ..errors import AnysnakeError
    from ..toml_compat.lines import LineFinder

    try:
        return LineFinder(read_config(config)).line(*path)
    except (OSError, AnysnakeError):
        return None


def container_argv(spec: ContainerSpec) -> list[str]:
    """The full runtime argv (binary first) that runs `outer_run.sh` with `spec.args`."""
    if spec.runtime == "bwrap":
        return _bwrap_argv(spec)
    if spec.runtime in ("singularity", "apptainer"):
        return _singularity_argv(spec)
    raise ConfigError(f"unknown container runtime {spec.runtime!r}")


def _parts(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.split("/") if p)


def _singularity_argv(spec: ContainerSpec) -> list[str]:
    argv = [spec.binary, "exec", "--userns", "--cleanenv", *(["--nv"] if spec.gpu else [])]
    argv += ["--home", str(spec.home)]
    argv += ["--bind", "/nix/store:/nix/store:ro"]
    binds: list[tuple[str, str, str]] = [
        (str(spec.scripts_dir / name), f"{INSIDE}/{name}", "ro") for name in spec.scripts
    ]
    binds += [(host, target, "ro") for host, target in spec.extra_binds]
    binds += [(host, target, "ro") for host, target in spec.volumes_ro]
    binds += [(host, target, "rw") for host, target in spec.volumes_rw]
    for host, target, mode in binds:
        for path in (host, target):
            if ":" in path or "," in path:
                raise ConfigError(
                    f"{spec.runtime} cannot bind {path!r}: its --bind syntax splits at ':' and ','",
                    hint='rename the folder, or use [container] runtime = "bwrap"',
                )
        argv += ["--bind", f"{host}:{target}:{mode}"]
    for key, value in spec.container_env().items():
        argv += ["--env", _env_item(key, value)]
    argv += [str(spec.rootfs), "/bin/bash", f"{INSIDE}/outer_run.sh", *spec.args]
    return argv


def _env_item(key: str, value: str) -> str:
    # --env is pflag's stringToString: an item with one "=" is taken whole (outer double
    # quotes trimmed), one with more is read as a CSV record, so there a comma or a double
    # quote needs the item to be one quoted CSV field.
    item = f"{key}={value}"
    if item.count("=") > 1 and ("," in item or '"' in item):
        item = '"' + item.replace('"', '""') + '"'
    return item


def _bwrap_argv(spec: ContainerSpec) -> list[str]:
    mounts: list[tuple[str, list[str]]] = [
        ("/nix/store", ["--ro-bind", "/nix/store", "/nix/store"]),
        ("/proc", ["--proc", "/proc"]),
        ("/dev", ["--dev", "/dev"]),
        ("/tmp", ["--tmpfs", "/tmp"]),
        ("/etc/resolv.conf", ["--ro-bind-try", "/etc/resolv.conf", "/etc/resolv.conf"]),
        ("/etc/hosts", ["--ro-bind-try", "/etc/hosts", "/etc/hosts"]),
    ]
    if spec.passwd is not None:
        mounts.append(("/etc/passwd", ["--ro-bind", str(spec.passwd), "/etc/passwd"]))
    if spec.group is not None:
        mounts.append(("/etc/group", ["--ro-bind", str(spec.group), "/etc/group"]))
    home = str(spec.home)
    root = str(spec.project_root)
    mounts.append((home, ["--bind", home, home]))
    if root != home:
        mounts.append((root, ["--bind", root, root]))
    for name in spec.scripts:
        target = f"{INSIDE}/{name}"
        mounts.append((target, ["--ro-bind", str(spec.scripts_dir / name), target]))
    for host, target in (*spec.extra_binds, *spec.volumes_ro):
        mounts.append((target, ["--ro-bind", host, target]))
    for host, target in spec.volumes_rw:
        mounts.append((target, ["--bind", host, target]))
    for host, target in spec.devices:
        mounts.append((target, ["--dev-bind", host, target]))
    # Parents before children (a volume inside /tmp must come after the tmpfs); stable
    # for equal targets, so a later volume wins over the home or the project root.
    mounts.sort(key=lambda item: _parts(item[0]))

    targets = {os.path.normpath(target) for target, _ in mounts}
    argv = [spec.binary, "--unshare-user", "--uid", str(spec.uid), "--gid", str(spec.gid)]
    argv += ["--die-with-parent", "--tmpfs", "/"]
    made_dirs: set[str] = {"/"}
    _forest(spec.rootfs, spec.rootfs, "/", targets, argv, made_dirs)
    for target, ops in mounts:
        _mount_point_chain(os.path.normpath(target), targets, made_dirs, argv)
        argv += ops
    argv += ["--clearenv"]
    env = {"HOME": home, **spec.container_env()}
    if spec.term and "TERM" not in env:
        env["TERM"] = spec.term
    for key, value in sorted(env.items()):
        argv += ["--setenv", key, value]
    argv += ["--chdir", root, "--", "/bin/bash", f"{INSIDE}/outer_run.sh", *spec.args]
    return argv


def _resolve_in_rootfs(rootfs: Path, link: str) -> str:
    """The host directory a symlink of the rootfs points at, as seen inside the container."""
    destination = os.readlink(link)
    if destination.startswith("/") and not destination.startswith("/nix/store/"):
        return os.path.realpath(os.path.join(rootfs, destination.lstrip("/")))
    return os.path.realpath(link)


def _forest(
    rootfs: Path,
    host_dir: Path | str,
    inside: str,
    targets: set[str],
    argv: list[str],
    made_dirs: set[str],
) -> None:
    """Mount each entry of `host_dir` at `inside`; open up the dirs that hold a target."""
    for entry in sorted(os.listdir(host_dir)):
        host = os.path.join(host_dir, entry)
        path = os.path.join(inside, entry)
        if path in targets:
            continue  # mounted over later; bwrap makes the mount point on the tmpfs
        holds_target = any(t.startswith(path + "/") for t in targets)
        is_link = os.path.islink(host)
        if holds_target and os.path.isdir(host):
            argv += ["--dir", path]
            made_dirs.add(path)
            real = _resolve_in_rootfs(rootfs, host) if is_link else host
            _forest(rootfs, real, path, targets, argv, made_dirs)
        elif is_link:
            argv += ["--symlink", os.readlink(host), path]
        else:
            argv += ["--ro-bind", host, path]


def _mount_point_chain(
    target: str, targets: set[str], made_dirs: set[str], argv: list[str]
) -> None:
    """`--dir` for each missing parent of `target` (not inside another mount)."""
    parts = _parts(target)
    for depth in range(1, len(parts)):
        parent = "/" + "/".join(parts[:depth])
        if parent in made_dirs:
            continue
        if parent in targets:
            return  # inside another mount: bwrap makes the rest there
        argv += ["--dir", parent]
        made_dirs.add(parent)
