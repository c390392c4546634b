"""anysnake2: reproducible research environments from one config file.

Public names are imported lazily, so `import anysnake2` stays cheap (the warm path of the
CLI must not pay for jinja2, requests, sh or typeguard).
"""

from __future__ import annotations

from ._version import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs ~10 ms
if TYPE_CHECKING:
    from .dsl import Project
    from .errors import AnysnakeError, ConfigError
    from .loader import load
    from .model import Project as ProjectModel

__all__ = ["AnysnakeError", "ConfigError", "Project", "ProjectModel", "__version__", "load"]

_LAZY = {
    "AnysnakeError": ("anysnake2.errors", "AnysnakeError"),
    "ConfigError": ("anysnake2.errors", "ConfigError"),
    "Project": ("anysnake2.dsl", "Project"),
    "ProjectModel": ("anysnake2.model", "Project"),
    "load": ("anysnake2.loader", "load"),
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        module, attribute = _LAZY[name]
        value = getattr(import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'anysnake2' has no attribute {name!r}")
