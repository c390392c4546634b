"""`project.main()`: the anysnake2 command line on a project built in a script.

Mirrors `cli._main` (same global options, same error handling and exit codes) with the
project and its config path preset, so `python anysnake2.py check` and `anysnake2 check`
do the same thing without a second import of the script or any global registry.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EX_SOFTWARE, AnysnakeError, UsageError
from ._calls import script_path

if TYPE_CHECKING:
    from ._project import Project

__all__ = ["run_cli"]


def run_cli(project: Project, argv: list[str] | None = None, script: Path | None = None) -> int:
    """Run the CLI on `project`; the config path is `script` (default: the calling script)."""
    from .. import _log, cli
    from .loader import version_pin_warnings

    args = sys.argv[1:] if argv is None else list(argv)
    ctx = cli.Context()
    try:
        ctx, rest = cli._parse_globals(args)
        _log.set_verbosity(ctx.verbosity)
        if ctx.config_arg is not None:
            raise UsageError(
                "-c/--config does not apply here: the project is this script",
                hint="run 'anysnake2 -c FILE ...' to use another config",
            )
        path = (script or script_path()).resolve()
        model = project.model
        warnings = list(model.warnings) + version_pin_warnings(path, model)
        from dataclasses import replace

        ctx._project = replace(model, origin=str(path), warnings=tuple(warnings))
        ctx._config_path = path
        ctx.cwd = path.parent
        for message in warnings:
            _log.warn(message)
        return cli.dispatch(ctx, rest)
    except AnysnakeError as error:
        if ctx.verbosity >= 3:
            import traceback

            traceback.print_exc()
        print(error.render(), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("anysnake2: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # noqa: BLE001 - a bug: show it, ask for a report, exit 70
        import traceback

        traceback.print_exc()
        print(
            "error: this is a bug in anysnake2; please report it with the output above "
            "(and 'anysnake2 version')",
            file=sys.stderr,
        )
        return EX_SOFTWARE
