"""The DSL's `[slurm]`: `Project.slurm(...)` and the `slurm={...}` of `Project.cmd(...)`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace as _replace
from typing import Any, Literal, TypeVar

from .. import model as m
from ..errors import ConfigError
from ..model_slurm import SLURM_KEYS
from ._calls import dsl_method
from ._update import updated

__all__ = ["SlurmMixin", "slurm_table"]

_P = TypeVar("_P", bound="SlurmMixin")  # the Project class (defined after this module)


def slurm_table(value: Mapping[str, Any] | m.Slurm, owner: str) -> m.Slurm:
    """A `model.Slurm` from a mapping of `[slurm]` keys (or a Slurm as it is)."""
    if isinstance(value, m.Slurm):
        return _replace(value, owner=owner)
    unknown = sorted(set(value) - set(SLURM_KEYS))
    if unknown:
        raise ConfigError(
            f"{owner}: unknown key {unknown[0]!r}", hint="known keys: " + ", ".join(SLURM_KEYS)
        )
    values = dict(value)
    options = values.get("sbatch_options")
    if isinstance(options, str):
        raise ConfigError(f"{owner}.sbatch_options takes a list of strings, not {options!r}")
    if options is not None:
        values["sbatch_options"] = tuple(options)
    return m.Slurm(**values, owner=owner)


class SlurmMixin:
    """`Project.slurm`, kept apart from the other sections."""

    __slots__ = ()
    _model: m.Project

    def _with(self: _P, **changes: Any) -> _P:  # noqa: PYI019 (3.10 has no Self)
        raise NotImplementedError

    @dsl_method
    def slurm(  # noqa: PYI019 (3.10 has no Self)
        self: _P,
        *,
        partition: str | None = None,
        account: str | None = None,
        qos: str | None = None,
        time: str | None = None,
        mem: str | None = None,
        cpus: int | None = None,
        gpus: int | None = None,
        array: str | None = None,
        max_parallel: int | None = None,
        image: Literal["sif", "rootfs"] | None = None,
        sbatch_options: Sequence[str] | None = None,
        replace: bool = False,
    ) -> _P:
        """`[slurm]`: defaults for every job of `anysnake2 submit` (keys given replace,
        sbatch_options add; `replace=True` starts the section afresh).

        >>> from anysnake2 import Project
        >>> Project().slurm(partition="short", image="sif").model.slurm.partition
        'short'
        """
        arguments = locals()
        current = self._model.slurm
        base = m.Slurm() if (replace or current is None) else current
        return self._with(slurm=updated(base, arguments))
