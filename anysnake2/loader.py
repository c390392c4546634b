"""Load a project from anysnake2.toml or anysnake2.py."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigError, MissingConfigError
from .model import Project

__all__ = ["load"]


def load(path: str | os.PathLike[str]) -> Project:
    """Read `path` (a .toml or .py config, or a folder holding one) into a Project."""
    config = Path(path)
    if config.is_dir():
        from .cli import find_config

        config = find_config(config, None)
    if not config.exists():
        raise MissingConfigError(f"config file {config} does not exist")
    if config.suffix == ".py":
        from .dsl.loader import load_python_config

        return load_python_config(config)
    if config.suffix == ".toml":
        from .toml_compat.reader import read_project

        return read_project(config)
    raise ConfigError(
        f"{config}: unknown config file type", hint="use anysnake2.toml or anysnake2.py"
    )
