"""`[slurm]` and `[cmd.<name>.slurm]` in TOML, read with located errors."""

from __future__ import annotations

from typing import Any

from ..model_slurm import Slurm
from ._base import ReadState, dotted
from ._fields import read_fields, section_table

__all__ = ["read_slurm"]


def read_slurm(state: ReadState, raw: Any, path: tuple[str, ...]) -> Slurm:
    """The Slurm table at `path` (65 naming file and line for anything wrong in it)."""
    table = section_table(state, Slurm, state.table(raw, path), path)
    values = read_fields(state, Slurm, table, path)
    for key, value in values.items():
        if isinstance(value, int) and value < 1:
            raise state.error(
                f"{dotted(path + (key,))} must be at least 1, not {value}", path + (key,)
            )
    with state.at(path):
        return Slurm(**values, owner=dotted(path))
