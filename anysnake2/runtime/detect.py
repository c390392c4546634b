"""Which container runtime runs: `[container] runtime`, or the first one found.

Default order: apptainer, then singularity, found on PATH and recognized by their
`--version` output (Debian's `singularity` package is a game, not a container runtime),
else bwrap. A note says which one was chosen when the config does not say.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from functools import cache

from .. import _log, _proc
from ..errors import ToolUnavailableError

__all__ = ["Runtime", "detect_runtime", "identify"]

_VERSION = {
    "apptainer": re.compile(r"^apptainer version (\S+)", re.MULTILINE),
    "singularity": re.compile(
        r"^(?:singularity(?:-ce|-pro)?|apptainer) version (\S+)", re.MULTILINE
    ),
    "bwrap": re.compile(r"^bubblewrap (\S+)", re.MULTILINE),
}


@dataclass(frozen=True)
class Runtime:
    """A runtime found on this machine: its name, binary and version."""

    name: str
    binary: str
    version: str


@cache
def identify(name: str, binary: str) -> str | None:
    """The version of `binary` if its `--version` says it is runtime `name`, else None."""
    # No display and no input: a program of the same name (a game) must not open a window
    # or wait for us.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    try:
        proc = _proc.run(
            [binary, "--version"], check=False, env=env, timeout=10, what=f"{name} --version"
        )
    except (subprocess.TimeoutExpired, ToolUnavailableError, OSError):
        return None
    match = _VERSION[name].search((proc.stdout or "") + (proc.stderr or ""))
    return match.group(1) if match and proc.returncode == 0 else None


def _not_runtime(name: str, binary: str) -> ToolUnavailableError:
    return ToolUnavailableError(
        f"{binary} does not identify as the container runtime {name} "
        f"('{binary} --version' does not print '{name} version ...')",
        hint=_proc.INSTALL_HINTS[name] + ", or choose another [container] runtime",
    )


def detect_runtime(requested: str | None, *, path: str | None = None) -> Runtime:
    """The runtime to use: `requested`, or apptainer / singularity / bwrap, first found.

    ToolUnavailableError (69) with an install hint when the requested one (or, by default,
    bwrap as the last resort) is missing or is not what its name says.
    """
    if requested is not None:
        binary = _proc.which(requested, path)
        if binary is None:
            raise ToolUnavailableError(
                f"the container runtime '{requested}' ([container] runtime) is not on PATH",
                hint=_proc.INSTALL_HINTS[requested],
            )
        version = identify(requested, binary)
        if version is None:
            raise _not_runtime(requested, binary)
        return Runtime(requested, binary, version)
    for name in ("apptainer", "singularity"):
        binary = _proc.which(name, path)
        if binary is None:
            continue
        version = identify(name, binary)
        if version is None:
            _log.warn(f"{binary} is not a container runtime (its --version says so); skipped")
            continue
        _log.note(f"container runtime: {name} {version} ({binary}); [container] runtime chooses")
        return Runtime(name, binary, version)
    binary = _proc.which("bwrap", path)
    if binary is None:
        raise ToolUnavailableError(
            "no container runtime found: none of apptainer, singularity, bwrap is on PATH",
            hint=_proc.INSTALL_HINTS["bwrap"] + "; or " + _proc.INSTALL_HINTS["apptainer"],
        )
    version = identify("bwrap", binary)
    if version is None:
        raise _not_runtime("bwrap", binary)
    _log.note(f"container runtime: bwrap {version} ({binary}); [container] runtime chooses")
    return Runtime("bwrap", binary, version)
