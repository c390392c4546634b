"""The model's small checks and freezers, shared by its section modules.

Errors are `ConfigError`s without a location: the front door adds file and line (TOML) or
the user's call (DSL).
"""

from __future__ import annotations

from typing import Any

from ._frozen import FrozenMap
from ._values import validate_env_name, validate_env_value
from .errors import ConfigError

__all__ = [
    "check_bool",
    "check_env",
    "check_str",
    "check_str_map",
    "check_strings",
    "freeze_map",
    "freeze_tuple",
]


def freeze_map(value: Any) -> FrozenMap:
    """`value` (a mapping or None) as a FrozenMap."""
    return value if isinstance(value, FrozenMap) else FrozenMap(value or {})


def freeze_tuple(value: Any) -> tuple:
    """`value` (a list or None) as a tuple; a lone string is refused."""
    if value is None:
        return ()
    if isinstance(value, str):
        raise ConfigError(f"expected a list of strings, got the string {value!r}")
    return tuple(value)


def check_str(owner: str, name: str, value: Any, *, optional: bool = True) -> None:
    """`owner.name` must be a string (or None when `optional`)."""
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise ConfigError(f"{owner}.{name} must be a string, not {type(value).__name__} {value!r}")


def check_bool(owner: str, name: str, value: Any) -> None:
    """`owner.name` must be true, false or None."""
    if value is not None and not isinstance(value, bool):
        raise ConfigError(f"{owner}.{name} must be true or false, not {value!r}")


def check_strings(owner: str, name: str, values: tuple) -> None:
    """Every item of `owner.name` must be a string."""
    for item in values:
        if not isinstance(item, str):
            raise ConfigError(f"{owner}.{name} must hold strings only, found {item!r}")


def check_str_map(owner: str, name: str, mapping: FrozenMap) -> None:
    """Every key and value of `owner.name` must be a string."""
    for key, value in mapping.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ConfigError(f"{owner}.{name}.{key} must be a string, not {value!r}")


def check_env(what: str, mapping: FrozenMap) -> None:
    """Names and values of environment variables."""
    for key, value in mapping.items():
        validate_env_name(key, what)
        validate_env_value(key, value, what)
