"""TOML reading on every supported Python: tomllib (3.11+) or tomli (3.10).

Import it where TOML is read, not at the top of modules the warm path imports.
"""

from __future__ import annotations

try:
    from tomllib import TOMLDecodeError, loads
except ModuleNotFoundError:  # Python 3.10
    from tomli import TOMLDecodeError, loads  # type: ignore[no-redef]

__all__ = ["TOMLDecodeError", "loads"]
