"""The one subprocess runner: argument lists only, logged, with errors that explain.

Every external command (nix, git, hg, uv, bwrap, dtach ...) goes through `run` or
`which`. A config value is never pasted into a shell string.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import _log
from .errors import FailureError, IOFailureError, ToolUnavailableError

__all__ = ["INSTALL_HINTS", "format_argv", "require", "run", "which"]

INSTALL_HINTS = {
    "nix": "install nix (Debian: apt-get install nix-bin; elsewhere https://nixos.org/download)",
    "bwrap": "install bubblewrap (Debian: apt-get install bubblewrap)",
    "dtach": "install dtach (Debian: apt-get install dtach) or set [anysnake2] dtach = false",
    "git": "install git (Debian: apt-get install git)",
    "hg": "install mercurial (Debian: apt-get install mercurial)",
    "tmux": "install tmux (Debian: apt-get install tmux)",
    "apptainer": "install apptainer (https://apptainer.org/docs/admin/main/installation.html)",
    "singularity": "install SingularityCE or apptainer; Debian's 'singularity' package is a game",
}
_SLURM = (
    "run this on a Slurm login node (Debian: apt-get install slurm-client, with the "
    "cluster's config)"
)
INSTALL_HINTS.update(dict.fromkeys(("sbatch", "scontrol", "sacct", "squeue"), _SLURM))


def format_argv(argv: Sequence[str | os.PathLike[str]]) -> str:
    """A copy-pasteable shell rendering of argv (for logs and messages only)."""
    return shlex.join(str(a) for a in argv)


def which(tool: str, path: str | None = None) -> str | None:
    """The absolute path of `tool` on PATH, or None."""
    return shutil.which(tool, path=path)


def require(tool: str, *, why: str = "") -> str:
    """The absolute path of `tool`; ToolUnavailableError (69) with install hint if missing."""
    found = which(tool)
    if found is None:
        reason = f" (needed {why})" if why else ""
        raise ToolUnavailableError(
            f"'{tool}' was not found on PATH{reason}",
            hint=INSTALL_HINTS.get(tool, f"install {tool}"),
        )
    return found


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    capture: bool = True,
    input: str | None = None,
    what: str | None = None,
    timeout: float | None = None,
    redact: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run argv; on failure (check=True) raise FailureError naming argv, code and stderr tail.

    With capture=False the child's output goes straight to our stdout/stderr (streamed).
    Strings in `redact` (credentials) are masked in every log line and message.
    """
    args = [str(a) for a in argv]

    def masked(text: str) -> str:
        from ._redact import redact as known

        text = known(text)
        for secret in redact:
            if secret:
                text = text.replace(secret, "***")
        return text

    _log.debug(masked(f"running: {format_argv(args)}" + (f" (in {cwd})" if cwd else "")))
    try:
        proc = subprocess.run(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            check=False,
            text=True,
            input=input,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.PIPE if capture else None,
            timeout=timeout,
        )
    except FileNotFoundError:
        tool = Path(args[0]).name
        raise ToolUnavailableError(
            f"'{args[0]}' was not found", hint=INSTALL_HINTS.get(tool, f"install {tool}")
        ) from None
    if capture and proc.stderr:
        _log.debug(masked(proc.stderr.rstrip()))
    if check and proc.returncode != 0:
        tail = "\n".join((proc.stderr or "").strip().splitlines()[-20:])
        label = what or format_argv(args)
        message = f"{label} failed with exit code {proc.returncode}"
        if what:
            message += f"\n  command: {format_argv(args)}"
        if tail:
            message += "\n" + "\n".join("  | " + line for line in tail.splitlines())
        if "no space left on device" in tail.lower():
            where = cwd if cwd is not None else os.getcwd()
            raise IOFailureError(
                masked(message), hint=f"free some space on the disk holding {where} and run again"
            )
        raise FailureError(masked(message))
    return proc
