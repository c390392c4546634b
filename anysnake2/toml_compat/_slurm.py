"""`[slurm]` and `[cmd.<name>.slurm]` in TOML: read with located errors, written canonically."""

from __future__ import annotations

from typing import Any

from ..model_slurm import SLURM_KEYS, Slurm
from ._base import ReadState, dotted
from ._fields import read_fields

__all__ = ["read_slurm", "slurm_values"]


def read_slurm(state: ReadState, raw: Any, path: tuple[str, ...]) -> Slurm:
    """The Slurm table at `path` (65 naming file and line for anything wrong in it)."""
    table = state.table(raw, path)
    state.check_keys(table, path, SLURM_KEYS)
    values = read_fields(state, Slurm, table, path)
    for key, value in values.items():
        if isinstance(value, int) and value < 1:
            raise state.error(
                f"{dotted(path + (key,))} must be at least 1, not {value}", path + (key,)
            )
    with state.at(path):
        return Slurm(**values, owner=dotted(path))


def slurm_values(slurm: Slurm) -> dict[str, Any]:
    """The keys to write for `slurm` (lists as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in slurm.values().items()}
