"""`[slurm]` and `[cmd.<name>.slurm]`: how a command is submitted to a Slurm cluster.

One class for both tables: `[slurm]` holds the project's defaults, `[cmd.X.slurm]` what one
command changes (`Slurm.over` merges them, the command's values winning). Every key maps
onto one `sbatch` option, except `image` (what the node runs: the SIF with
apptainer/singularity, or the rootfs on the shared filesystem) and `array` (a file with one
task per line, or a range such as "1-100").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from ._schema import describe, key, set_values, toml_names
from .errors import ConfigError

__all__ = ["IMAGES", "SLURM_KEYS", "Slurm", "gpu_wanted", "is_range"]

IMAGES = ("sif", "rootfs")
_TIME = re.compile(r"^(\d+-)?\d+(:\d{1,2}){0,2}$")
_MEM = re.compile(r"^\d+[KMGT]?$")
_RANGE = re.compile(r"^\d+(-\d+)?(:\d+)?(,\d+(-\d+)?(:\d+)?)*$")
_NAME = re.compile(r"^[A-Za-z0-9_.,:+-]+$")


def is_range(array: str) -> bool:
    """True when `array` is an index range ("1-100", "0,4,7-9"), not a file."""
    return bool(_RANGE.match(array))


def _positive(owner: str, name: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{owner}.{name} must be a whole number of at least 1, not {value!r}")


def _string(owner: str, name: str, value: Any, pattern: re.Pattern[str], hint: str) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise ConfigError(f"{owner}.{name} must be a string, not {type(value).__name__} {value!r}")
    if not pattern.match(value):
        raise ConfigError(f"{owner}.{name} {value!r} is not valid", hint=hint)


@dataclass(frozen=True)
class Slurm:
    """Submission settings; every value None (or empty) means "not set here".

    `time` is Slurm's `[D-]HH:MM:SS` (or minutes), `mem` a size such as "16G", `cpus`
    cpus per task, `gpus` GPUs per task (also turns on the container's GPU support),
    `max_parallel` the most array tasks running at once, `sbatch_options` more sbatch
    options given as they are (e.g. "--constraint=avx2"). `owner` names the table in
    messages (`cmd.align.slurm`); it takes no part in equality.
    """

    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    time: str | None = None
    mem: str | None = None
    cpus: int | None = None
    gpus: int | None = None
    array: str | None = None
    max_parallel: int | None = None
    image: Literal["sif", "rootfs"] | None = None
    sbatch_options: tuple[str, ...] = ()
    owner: str = key("slurm", role="internal", compare=False, repr=False)

    def __post_init__(self) -> None:
        owner = self.owner
        for name in ("partition", "account", "qos"):
            _string(owner, name, getattr(self, name), _NAME, "letters, digits and _.,:+- only")
        _string(owner, "time", self.time, _TIME, 'Slurm time such as "02:00:00" or "1-12:00:00"')
        _string(owner, "mem", self.mem, _MEM, 'a size such as "16G" or "500M"')
        for name in ("cpus", "gpus", "max_parallel"):
            _positive(owner, name, getattr(self, name))
        if self.array is not None and (not isinstance(self.array, str) or not self.array.strip()):
            raise ConfigError(
                f'{owner}.array must be a file name or a range such as "1-100", not {self.array!r}'
            )
        if self.image is not None and self.image not in IMAGES:
            raise ConfigError(
                f"{owner}.image {self.image!r} is not known",
                hint='use "sif" (apptainer/singularity on the nodes) or "rootfs"',
            )
        options = self.sbatch_options
        if isinstance(options, str) or not all(isinstance(o, str) for o in options or ()):
            raise ConfigError(f"{owner}.sbatch_options must be a list of strings, not {options!r}")
        object.__setattr__(self, "sbatch_options", tuple(options or ()))
        for option in self.sbatch_options:
            if not option.startswith("-") or re.search(r"\s", option):
                raise ConfigError(
                    f"{owner}.sbatch_options: {option!r} is not one option without spaces "
                    "(each becomes an #SBATCH line)",
                    hint='give each as sbatch takes it, e.g. "--constraint=avx2"; one with '
                    "spaces can go on the command line: submit --sbatch-option",
                )

    def values(self) -> dict[str, Any]:
        """The keys that are set, in `SLURM_KEYS` order."""
        return set_values(self)

    def describe(self) -> str:
        """`key value, ...` of the keys that are set, for `check` ("defaults" when none)."""
        return describe(self) or "defaults"

    def over(self, defaults: Slurm | None) -> Slurm:
        """These settings over `defaults` (the project's `[slurm]`); sbatch_options add up."""
        if defaults is None:
            return self
        merged = {**defaults.values(), **self.values()}
        merged["sbatch_options"] = defaults.sbatch_options + tuple(
            o for o in self.sbatch_options if o not in defaults.sbatch_options
        )
        return Slurm(**merged, owner=self.owner)


#: The keys of the table, in the order `check` and the writers show them.
SLURM_KEYS = toml_names(Slurm)


def gpu_wanted(project: Any) -> bool:
    """True when `[container] gpu` is on or any `[slurm]` table asks for GPUs."""
    if project.container.gpu:
        return True
    tables = [project.slurm, *(c.slurm for c in project.cmd.values())]
    return any(t is not None and t.gpus for t in tables)
