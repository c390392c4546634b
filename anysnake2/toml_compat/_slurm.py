"""`[slurm]` and `[cmd.<name>.slurm]` in TOML: read with located errors, written canonically."""

from __future__ import annotations

from typing import Any

from ..model_slurm import SLURM_KEYS, Slurm
from ._base import ReadState, dotted

__all__ = ["read_slurm", "slurm_values"]

_INTS = ("cpus", "gpus", "max_parallel")


def read_slurm(state: ReadState, raw: Any, path: tuple[str, ...]) -> Slurm:
    """The Slurm table at `path` (65 naming file and line for anything wrong in it)."""
    table = state.table(raw, path)
    state.check_keys(table, path, SLURM_KEYS)
    values: dict[str, Any] = {}
    for key in SLURM_KEYS:
        if key not in table:
            continue
        if key in _INTS:
            values[key] = state.expect(table[key], int, path + (key,))
        elif key == "sbatch_options":
            values[key] = state.strings(table, key, path)
        else:
            values[key] = state.string(table, key, path)
    for key in _INTS:
        if key in values and values[key] < 1:
            raise state.error(
                f"{dotted(path + (key,))} must be at least 1, not {values[key]}", path + (key,)
            )
    with state.at(path):
        return Slurm(**values, owner=dotted(path))


def slurm_values(slurm: Slurm) -> dict[str, Any]:
    """The keys to write for `slurm` (lists as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in slurm.values().items()}
