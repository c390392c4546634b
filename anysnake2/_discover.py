"""Which config file is meant: the one anysnake2.toml or anysnake2.py in a folder, or the
file (or folder) given with `-c`.

`config_path` is for the warm path and completion (plain strings, only `os`: no error
objects, None whenever anything is unusual); `find_config` and `config_file` raise the
errors that explain (66 missing, 65 both formats or an unknown type). Nothing here imports
more than `os` before it has to raise.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["CONFIG_NAMES", "config_file", "config_path", "find_config"]

CONFIG_NAMES = ("anysnake2.toml", "anysnake2.py")
_FORMATS = {".toml": "anysnake2.toml", ".py": "anysnake2.py"}


def config_path(explicit: str | None) -> str | None:
    """The config file for the current directory (or `explicit`), or None when there is
    none, both, or `explicit` does not exist."""
    cwd = os.getcwd()
    if explicit is not None:
        path = os.path.join(cwd, explicit)
        if not os.path.isdir(path):
            return path if os.path.isfile(path) else None
        cwd = path
    found = [
        os.path.join(cwd, name) for name in CONFIG_NAMES if os.path.isfile(os.path.join(cwd, name))
    ]
    return found[0] if len(found) == 1 else None


def find_config(cwd: Path, explicit: str | None) -> Path:
    """The config file: `explicit`, or the one anysnake2.toml/anysnake2.py in `cwd`."""
    from .errors import ConfigError, MissingConfigError

    if explicit is not None:
        path = (cwd / explicit).absolute()
        if path.is_dir():
            return find_config(path, None)
        if not path.exists():
            raise MissingConfigError(
                f"config file {path} does not exist",
                hint="check the path given with -c/--config",
            )
        return path
    found = [cwd / name for name in CONFIG_NAMES if (cwd / name).exists()]
    if not found:
        raise MissingConfigError(
            f"no anysnake2.toml or anysnake2.py in {cwd}",
            hint="run 'anysnake2 config basic > anysnake2.toml' to start, or pass -c FILE",
        )
    if len(found) > 1:
        raise ConfigError(
            f"both anysnake2.toml and anysnake2.py are in {cwd}; which one is meant is unclear",
            hint="remove or rename one of them, or choose with -c FILE",
        )
    return found[0]


def config_file(path: Path, suffix: str | None = None) -> Path:
    """The config file `path` names (a folder: the one config in it), checked to exist
    and, with `suffix`, to be of that format; ConfigError (MissingConfigError) if not."""
    from .errors import ConfigError, MissingConfigError

    if path.is_dir():
        if suffix is None:
            return find_config(path, None)
        path = path / _FORMATS[suffix]
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
