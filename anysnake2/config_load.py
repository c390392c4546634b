"""Read a config file into the model: anysnake2.toml through `toml_compat`, anysnake2.py
by running it.

An anysnake2.py is imported under a module name of our own and its `project` taken: a
`model.Project`, or what carries one as `.model` (the DSL's `Project`). So this loader
needs nothing of the DSL, and the DSL (whose `project.main()` runs the command line)
stays above the command line that loads configs through here.

The file runs as a module named `_anysnake2_project_<hash>` (never `anysnake2`, which
would be the package), registered in `sys.modules` before it runs, with its folder on
`sys.path` so that a sibling `common.py` imports. Mistakes in the file become
`ConfigError` (65) that show the user's frames only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from . import model as m
from ._config_text import read_config
from ._discover import config_file
from ._util.pep723 import anysnake2_requirement, script_block
from .errors import AnysnakeError, ConfigError

__all__ = ["load_model", "load_python_config", "read_pep723_pin", "version_pin_warnings"]

_PACKAGE_DIR = str(Path(__file__).resolve().parent) + "/"


def _module_name(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    return f"_anysnake2_project_{digest}"


def load_model(path: str | os.PathLike[str]) -> m.Project:
    """Read `path` (a .toml or .py config, or a folder holding one) into the model."""
    config = config_file(Path(path))
    if config.suffix == ".py":
        return load_python_config(config)
    from .toml_compat.reader import read_project

    return read_project(config)


def load_python_config(path: Path) -> m.Project:
    """Run `path` and return its module-level `project` as a `model.Project`."""
    import importlib.util

    path = Path(path).resolve()
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{path}: cannot be imported as a Python file")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except AnysnakeError:
        sys.modules.pop(name, None)
        raise
    except SyntaxError as error:
        sys.modules.pop(name, None)
        raise ConfigError(
            f"invalid Python: {error.msg}" + (f"\n    {error.text.rstrip()}" if error.text else ""),
            file=error.filename or str(path),
            line=error.lineno,
        ) from None
    except SystemExit:
        sys.modules.pop(name, None)
        raise ConfigError(
            "the file exited while being loaded (sys.exit or project.main() at module level)",
            file=str(path),
            hint='call project.main() only under `if __name__ == "__main__":`',
        ) from None
    except Exception as error:  # noqa: BLE001 - any error in the user's own code
        sys.modules.pop(name, None)
        raise _user_error(path, error) from None
    project = _project_of(module, path)
    warnings = list(project.warnings) + version_pin_warnings(path, project)
    from dataclasses import replace

    return replace(project, origin=str(path), warnings=tuple(warnings))


def _project_of(module: Any, path: Path) -> m.Project:
    value = getattr(module, "project", None)
    model = getattr(value, "model", value)  # the DSL's Project carries its model
    if isinstance(model, m.Project):
        return model
    if value is None:
        raise ConfigError(
            "this file defines no module-level `project`",
            file=str(path),
            hint="anysnake2.py must set `project = Project()...` "
            "(from anysnake2 import Project); see 'anysnake2 config full --format python'",
        )
    raise ConfigError(
        f"`project` must be an anysnake2.Project, not {type(value).__name__}",
        file=str(path),
        hint="build it with `project = Project()...` (from anysnake2 import Project)",
    )


def _user_error(path: Path, error: BaseException) -> ConfigError:
    """A ConfigError showing the traceback frames of the user's files only."""
    import traceback

    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith(_PACKAGE_DIR) and not frame.filename.startswith("<")
    ]
    lines = ["".join(traceback.format_list(frames)).rstrip()] if frames else []
    lines.append("".join(traceback.format_exception_only(type(error), error)).rstrip())
    last = frames[-1] if frames else None
    return ConfigError(
        f"loading the project failed with {type(error).__name__}:\n" + "\n".join(lines),
        file=last.filename if last else str(path),
        line=last.lineno if last else None,
    )


def read_pep723_pin(text: str) -> str | None:
    """The version `anysnake2==X` of a PEP 723 `script` block, or None."""
    content = script_block(text)
    if content is not None:
        from . import _toml as tomllib

        try:
            data = tomllib.loads(content)
        except tomllib.TOMLDecodeError:
            return None
        found = anysnake2_requirement(data)
        for spec in found[1].specifier if found is not None else ():
            if spec.operator in ("==", "==="):
                return spec.version
    return None


def version_pin_warnings(path: Path, project: m.Project) -> list[str]:
    """A warning when the PEP 723 header and `.anysnake2(version=...)` disagree."""
    from ._version import __version__

    try:
        header = read_pep723_pin(read_config(path))
    except (OSError, ConfigError):
        return []
    declared = project.anysnake2.version
    if header is None or declared is None or header == declared:
        return []
    message = (
        f"{Path(path).name}: the PEP 723 header pins anysnake2=={header} but "
        f".anysnake2(version={declared!r}) says {declared}; the anysnake2 running now "
        f"({__version__}) decides what this file means. Make the two versions equal."
    )
    return [message]
