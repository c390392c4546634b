"""Errors that carry what a user needs: message, hint, location and a sysexits code.

`cli.main` catches `AnysnakeError` only: it prints `error: <message>` (with the file and
line when known, and the hint on the next line) and exits with `exit_code`. Anything
else is a bug: exit 70 with a request for a report.
"""

from __future__ import annotations

import errno

__all__ = [
    "EX_CANTCREAT",
    "EX_CONFIG",
    "EX_IOERR",
    "EX_NOINPUT",
    "EX_NOPERM",
    "EX_SOFTWARE",
    "EX_TEMPFAIL",
    "EX_UNAVAILABLE",
    "EX_USAGE",
    "AnysnakeError",
    "CannotCreateError",
    "ConfigError",
    "FailureError",
    "IOFailureError",
    "MissingConfigError",
    "NetworkError",
    "PermissionDeniedError",
    "ToolUnavailableError",
    "UsageError",
    "from_os_error",
]

EX_USAGE = 64
EX_CONFIG = 65  # EX_DATAERR: the config says something wrong
EX_NOINPUT = 66
EX_UNAVAILABLE = 69
EX_SOFTWARE = 70
EX_CANTCREAT = 73
EX_IOERR = 74
EX_TEMPFAIL = 75
EX_NOPERM = 77


class AnysnakeError(Exception):
    """Base of every error meant for the user (never shown with a traceback)."""

    exit_code: int = EX_SOFTWARE

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.file = file
        self.line = line
        self.column = column

    def location(self) -> str:
        """`file:line:column` as far as known, or an empty string."""
        if not self.file:
            return ""
        parts = [str(self.file)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def render(self) -> str:
        """The text printed for the user."""
        where = self.location()
        text = f"error: {where}: {self.message}" if where else f"error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def with_location(self, *, file: str | None = None, line: int | None = None) -> AnysnakeError:
        """Fill in file and line where still unknown; returns self."""
        if self.file is None and file is not None:
            self.file = file
        if self.line is None and line is not None:
            self.line = line
        return self

    def __str__(self) -> str:
        return self.render()


class UsageError(AnysnakeError):
    """Wrong command line (64)."""

    exit_code = EX_USAGE


class ConfigError(AnysnakeError):
    """The config (TOML or DSL call) is wrong (65)."""

    exit_code = EX_CONFIG


class MissingConfigError(ConfigError):
    """No config file found (66; a ConfigError for callers of the API)."""

    exit_code = EX_NOINPUT


class ToolUnavailableError(AnysnakeError):
    """A required external tool (nix, bwrap, dtach, ...) is missing (69)."""

    exit_code = EX_UNAVAILABLE


class FailureError(AnysnakeError):
    """An external step failed: a build, a clone, a hook (70).

    When a command failed, what it did, with credentials masked: `command` (its argv),
    `returncode` (its exit status; `exit_code` is ours, 70), and the last lines of its
    `stdout` and `stderr` (empty when not captured), for callers that decide by them.
    """

    exit_code = EX_SOFTWARE

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        command: tuple[str, ...] = (),
        returncode: int | None = None,
        stdout: str = "",
        stderr: str = "",
    ) -> None:
        super().__init__(message, hint=hint)
        self.command = command
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


class NetworkError(AnysnakeError):
    """The network failed or refused (rate limit, offline); try again later (75)."""

    exit_code = EX_TEMPFAIL


class CannotCreateError(AnysnakeError):
    """An output file cannot be created: its folder is missing or not writable (73)."""

    exit_code = EX_CANTCREAT


class IOFailureError(AnysnakeError):
    """Reading or writing a file failed: a full disk, an I/O error (74)."""

    exit_code = EX_IOERR


class PermissionDeniedError(AnysnakeError):
    """A file or folder may not be read or written by this user (77)."""

    exit_code = EX_NOPERM


_WRITE_HINT = (
    "anysnake2 writes .anysnake2_flake/ (and the clones) inside the project folder; "
    "run it where that is writable"
)


def from_os_error(error: OSError, where: object = None) -> AnysnakeError | None:
    """The user's view of a file-system fault (permission, read-only, full disk, I/O), naming
    the path (`error.filename`, else `where`); None for other errors (those are bugs)."""
    path = error.filename or where or "?"
    reason = error.strerror or str(error)
    if error.errno in (errno.EACCES, errno.EPERM):
        return PermissionDeniedError(
            f"permission denied: {path}",
            hint=f"check the owner and mode of {path} and its folders; " + _WRITE_HINT,
        )
    if error.errno == errno.EROFS:
        return CannotCreateError(f"cannot write {path}: read-only file system", hint=_WRITE_HINT)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return IOFailureError(
            f"no space left on the device (or quota exceeded) while writing {path}",
            hint="free some space and run again; anysnake2 repairs what it left half-written",
        )
    if error.errno == errno.EIO:
        return IOFailureError(f"I/O error on {path}: {reason}", hint="check the disk")
    return None
