"""The public `load()`: a config file (anysnake2.toml or anysnake2.py) as a DSL `Project`.

`config_load.load_model` reads the model itself; `_discover.config_file` finds the file.
Both are re-exported here for callers of the public API.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ._discover import config_file
from .config_load import load_model

if TYPE_CHECKING:
    from .dsl import Project

__all__ = ["config_file", "load", "load_model"]


def load(path: str | os.PathLike[str]) -> Project:
    """Read `path` (a .toml or .py config, or a folder holding one) into a DSL `Project`.

    Errors are `ConfigError`s (a missing file: its subclass `MissingConfigError`).

    >>> anysnake2.load("analysis/").python("3.12").to_toml()  # doctest: +SKIP
    """
    from .dsl import Project

    return Project(load_model(path))
