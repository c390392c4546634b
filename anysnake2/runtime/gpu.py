"""GPUs in the container: `[container] gpu = true` (or `gpus` in a `[slurm]` table).

apptainer/singularity get `--nv` (they find the driver themselves). bwrap gets the host's
`/dev/nvidia*` devices (`--dev-bind`) and the NVIDIA driver libraries that `ldconfig -p`
lists, each bound read-only into `/run/opengl-driver/lib` (where nixpkgs' CUDA packages
look for the driver) and that folder put on `LD_LIBRARY_PATH`. Locking and building never
need a GPU; `check` warns when none is visible here.

The device folder and the `ldconfig -p` text are parameters, so tests drive the argv with
a fake `/dev` and a fake ldconfig.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model_slurm import gpu_wanted

__all__ = [
    "DRIVER_DIR",
    "GpuBinds",
    "driver_libraries",
    "gpu_binds",
    "gpu_wanted",
    "ldconfig_output",
    "no_driver_warning",
]

#: Where the driver libraries appear inside the container (the NixOS convention).
DRIVER_DIR = "/run/opengl-driver/lib"
#: The host folder holding the nvidia* device nodes (a module value so tests can point it
#: at a fake folder; `ldconfig` is found on PATH, so tests put a fake one there).
DEV_DIR = "/dev"

_LIBRARY = re.compile(r"^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)\s*$")
_DRIVER_NAMES = re.compile(r"^lib(cuda|cudadebugger|nvidia-[\w.-]+|nvcuvid|nvoptix)\.so")
_ARCH_TAGS = {"x86_64": "x86-64", "aarch64": "AArch64", "ppc64le": "64bit"}


@dataclass(frozen=True)
class GpuBinds:
    """What bwrap needs for the GPU: device (host, container) pairs, library pairs and the
    LD_LIBRARY_PATH entry."""

    devices: tuple[tuple[str, str], ...] = ()
    libraries: tuple[tuple[str, str], ...] = ()
    library_path: str = DRIVER_DIR


def ldconfig_output(env: Mapping[str, str] | None = None) -> str:
    """`ldconfig -p` of this host ('' when ldconfig is missing or fails)."""
    from .. import _proc
    from ..errors import AnysnakeError

    binary = _proc.which("ldconfig") or _proc.which("ldconfig", "/sbin:/usr/sbin")
    if binary is None:
        return ""
    try:
        proc = _proc.run([binary, "-p"], check=False, env=env, timeout=30)
    except AnysnakeError:
        return ""
    return proc.stdout if proc.returncode == 0 else ""


def arch_tag(machine: str | None = None) -> str:
    """How `ldconfig -p` names this machine's architecture ("x86-64"); '' when unknown."""
    if machine is None:
        import platform  # only here: it costs start-up time

        machine = platform.machine()
    return _ARCH_TAGS.get(machine, "")


def driver_libraries(ldconfig_text: str, machine: str | None = None) -> list[tuple[str, str]]:
    """(name, host path) of the NVIDIA driver libraries in `ldconfig -p` output, for this
    machine's architecture, first entry per name (ldconfig's order of preference), sorted."""
    tag = arch_tag(machine) or None
    found: dict[str, str] = {}
    for line in ldconfig_text.splitlines():
        match = _LIBRARY.match(line)
        if not match or not _DRIVER_NAMES.match(match.group(1)):
            continue
        name, flags, path = match.groups()
        if tag is not None and tag not in flags:
            continue
        found.setdefault(name, path)
    return sorted(found.items())


def _devices(dev_dir: str) -> list[str]:
    try:
        names = os.listdir(dev_dir)
    except OSError:
        return []
    return sorted(n for n in names if n.startswith("nvidia"))


def gpu_binds(dev_dir: str | None = None, ldconfig_text: str | None = None) -> GpuBinds:
    """The bwrap binds for this host's NVIDIA GPUs (empty when it has none)."""
    dev_dir = DEV_DIR if dev_dir is None else dev_dir
    text = ldconfig_output() if ldconfig_text is None else ldconfig_text
    devices = tuple((os.path.join(dev_dir, n), f"/dev/{n}") for n in _devices(dev_dir))
    libraries = tuple((path, f"{DRIVER_DIR}/{name}") for name, path in driver_libraries(text))
    return GpuBinds(devices=devices, libraries=libraries)


def no_driver_warning(
    project: Any, dev_dir: str | None = None, ldconfig_text: str | None = None
) -> str | None:
    """A warning when the project wants a GPU and this host shows no NVIDIA driver."""
    if not gpu_wanted(project):
        return None
    binds = gpu_binds(dev_dir, ldconfig_text)
    found = (("/dev/nvidia* devices", binds.devices), ("NVIDIA libraries", binds.libraries))
    missing = [what for what, present in found if not present]
    if not missing:
        return None
    return (
        "the project asks for a GPU, but no NVIDIA driver is visible on this host (no "
        + " and no ".join(missing)
        + "); containers here run without one, jobs on GPU nodes get theirs there"
    )


def with_gpu(spec: Any, dev_dir: str | None = None, ldconfig_text: str | None = None) -> Any:
    """`spec` (a container.ContainerSpec) with the GPU: `--nv` for apptainer/singularity;
    for bwrap the devices, the driver libraries and LD_LIBRARY_PATH of this host."""
    from dataclasses import replace

    if spec.runtime != "bwrap":
        return replace(spec, gpu=True)
    binds = gpu_binds(dev_dir, ldconfig_text)
    env = dict(spec.env)
    if binds.libraries:
        old = env.get("LD_LIBRARY_PATH")
        env["LD_LIBRARY_PATH"] = binds.library_path + (f":{old}" if old else "")
    return replace(
        spec,
        gpu=True,
        devices=binds.devices,
        extra_binds=(*spec.extra_binds, *binds.libraries),
        env=tuple(sorted(env.items())),
    )
