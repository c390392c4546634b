"""The one subprocess runner: argument lists only, logged, with errors that explain.

Every external command (nix, git, hg, uv, bwrap, dtach ...) goes through `run` or
`which`. A config value is never pasted into a shell string. A failure is a FailureError
that carries the command, its exit status and the tails of its output (credentials masked).

Not `sh`: measured with bench/sh_runner.py, a fresh `import sh` takes 3.4x as long as
`import subprocess` (66 ms more on a quiet machine; it imports asyncio), each call 2.8-3.7x
as long with two reader threads while the child runs, and by default it gives the child a
terminal as stdout, so uv and nix would print colours and progress bars into our logs
unless every call said otherwise. Its ErrorReturnCode names the command with its
credentials; we mask them anyway. The streamed nix build (runtime/nix.py) reads the pipe
line by line with subprocess.Popen, as sh would.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import _log
from .errors import AnysnakeError, FailureError, IOFailureError, ToolUnavailableError

__all__ = [
    "INSTALL_HINTS",
    "OUTPUT_TAIL_LINES",
    "failure_details",
    "format_argv",
    "require",
    "run",
    "tail",
    "which",
]

#: lines of a failed command's stdout and stderr kept in its FailureError (the message
#: shows the last 20 of stderr)
OUTPUT_TAIL_LINES = 100

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


def _masker(secrets: Sequence[str]) -> Callable[[str], str]:
    """A function masking known credentials and `secrets` in a text."""

    def masked(text: str) -> str:
        from ._redact import redact as known

        # the longest first: a shorter secret inside a longer one must not leave its rest
        for secret in sorted(filter(None, secrets), key=len, reverse=True):
            text = text.replace(secret, "***")
        return known(text)

    return masked


def tail(text: str | None, lines: int) -> str:
    """The last `lines` lines of `text` (stripped)."""
    return "\n".join((text or "").strip().splitlines()[-lines:])


def failure_details(
    proc: subprocess.CompletedProcess[str], masked: Callable[[str], str]
) -> dict[str, Any]:
    """FailureError's fields for a finished command: argv, exit status and output tails,
    each passed through `masked`."""
    return {
        "command": tuple(masked(str(a)) for a in proc.args),
        "returncode": proc.returncode,
        "stdout": masked(tail(proc.stdout, OUTPUT_TAIL_LINES)),
        "stderr": masked(tail(proc.stderr, OUTPUT_TAIL_LINES)),
    }


def _failure(
    args: list[str],
    proc: subprocess.CompletedProcess[str],
    what: str | None,
    cwd: str | os.PathLike[str] | None,
    masked: Callable[[str], str],
) -> AnysnakeError:
    """The error for a failed command: FailureError, or IOFailureError for a full disk."""
    last = tail(proc.stderr, 20)
    label = what or format_argv(args)
    message = f"{label} failed with exit code {proc.returncode}"
    if what:
        message += f"\n  command: {format_argv(args)}"
    if last:
        message += "\n" + "\n".join("  | " + line for line in last.splitlines())
    if "no space left on device" in last.lower():
        where = cwd if cwd is not None else os.getcwd()
        return IOFailureError(
            masked(message), hint=f"free some space on the disk holding {where} and run again"
        )
    return FailureError(masked(message), **failure_details(proc, masked))


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
    masked = _masker(redact)
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
        raise _failure(args, proc, what, cwd, masked)
    return proc
