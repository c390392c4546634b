"""`Context`: what a command needs, the options of the command line and the project.

Below `cli` (which fills it) and above nothing of the CLI: the commands, the pipeline and
`version_switch` read it without importing the command line.
"""

from __future__ import annotations

from pathlib import Path

from . import _log
from ._discover import find_config

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs ~10 ms
if TYPE_CHECKING:
    from .model import Project

__all__ = ["Context"]


class Context:
    """What a command needs: options and the (lazily loaded) project.

    A plain class, not a dataclass: `dataclasses` costs start-up time on the warm path.
    `cli` fills it from the command line; commands and the pipeline read it.
    """

    def __init__(
        self,
        *,
        config_arg: str | None = None,
        verbosity: int = 2,
        offline: bool = False,
        locked: bool = False,
        no_version_switch: bool = False,
        cwd: Path | None = None,
        project: Project | None = None,
        config_path: Path | None = None,
        json: bool = False,
    ) -> None:
        self.config_arg = config_arg
        self.json = json
        self.verbosity = verbosity
        self.offline = offline
        self.locked = locked
        self.no_version_switch = no_version_switch
        self.cwd = cwd if cwd is not None else Path.cwd()
        self._project = project
        self._config_path = config_path

    def preset(self, project: Project, config_path: Path | None) -> None:
        """Use `project` (loaded already: an anysnake2.py calling `project.main()`) and its
        file; nothing is searched or loaded then."""
        from .credentials import remember_project

        remember_project(project)
        self._project = project
        self._config_path = config_path
        if config_path is not None:
            self.cwd = config_path.parent
        for message in project.warnings:
            _log.warn(message)

    @property
    def config_path(self) -> Path:
        """The config file (found once; MissingConfigError/UsageError when not found)."""
        if self._config_path is None:
            self._config_path = find_config(self.cwd, self.config_arg)
        return self._config_path

    @property
    def root(self) -> Path:
        """The project root: the folder that holds the config file."""
        return self.config_path.parent

    @property
    def project(self) -> Project:
        """The loaded, validated project."""
        if self._project is None:
            from .config_load import load_model
            from .credentials import remember_project

            self._project = load_model(self.config_path)
            remember_project(self._project)  # for the git/nix environments and redaction
            for message in self._project.warnings:
                _log.warn(message)
        return self._project
