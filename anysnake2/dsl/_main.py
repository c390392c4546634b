"""`project.main()`: the anysnake2 command line on a project built in a script.

Mirrors `cli._main` (same global options, same error handling and exit codes) with the
project and its config path preset, so `python anysnake2.py check` and `anysnake2 check`
do the same thing without a second import of the script or any global registry.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ._calls import script_path

if TYPE_CHECKING:
    from ._project import Project

__all__ = ["run_cli"]


def run_cli(project: Project, argv: list[str] | None = None, script: Path | None = None) -> int:
    """Run the CLI on `project`; the config path is `script` (default: the calling script).

    Nothing changed since the last build: the stored command starts at once (warm path).
    """
    from .. import cli
    from .._fast import try_warm
    from ..config_load import version_pin_warnings

    args = sys.argv[1:] if argv is None else list(argv)
    path = (script or script_path()).resolve()
    if not (args and args[0].startswith("-")):
        status = try_warm(["-c", str(path), *args])
        if status is not None:
            return status
    model = project.model
    warnings = list(model.warnings) + version_pin_warnings(path, model)
    from dataclasses import replace

    preset = replace(model, origin=str(path), warnings=tuple(warnings))
    return cli.main(args, project=preset, config_path=path)
