"""Load a project from anysnake2.toml or anysnake2.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError, MissingConfigError

if TYPE_CHECKING:
    from .dsl import Project
    from .model import Project as ProjectModel

__all__ = ["config_file", "load", "load_model"]

_FORMATS = {".toml": "anysnake2.toml", ".py": "anysnake2.py"}


def config_file(path: Path, suffix: str | None = None) -> Path:
    """The config file `path` names (a folder: the one config in it), checked to exist
    and, with `suffix`, to be of that format; ConfigError (MissingConfigError) if not."""
    if path.is_dir():
        if suffix is not None:
            path = path / _FORMATS[suffix]
        else:
            from .cli import find_config

            return find_config(path, None)
    if not path.exists():
        raise MissingConfigError(
            f"config file {path} does not exist",
            hint="give the path of an anysnake2.toml or anysnake2.py, or its folder",
        )
    if path.suffix not in _FORMATS:
        raise ConfigError(
            f"{path}: unknown config file type", hint="use anysnake2.toml or anysnake2.py"
        )
    if suffix is not None and path.suffix != suffix:
        raise ConfigError(
            f"{path} is a {path.suffix} config, not {_FORMATS[suffix]}",
            hint="anysnake2.load(path) reads both formats",
        )
    return path


def load_model(path: str | os.PathLike[str]) -> ProjectModel:
    """Read `path` (a .toml or .py config, or a folder holding one) into the model."""
    config = config_file(Path(path))
    if config.suffix == ".py":
        from .dsl.loader import load_python_config

        return load_python_config(config)
    from .toml_compat.reader import read_project

    return read_project(config)


def load(path: str | os.PathLike[str]) -> Project:
    """Read `path` (a .toml or .py config, or a folder holding one) into a DSL `Project`.

    Errors are `ConfigError`s (a missing file: its subclass `MissingConfigError`).

    >>> anysnake2.load("analysis/").python("3.12").to_toml()  # doctest: +SKIP
    """
    from .dsl import Project

    return Project(load_model(path))
