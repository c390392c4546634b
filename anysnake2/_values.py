"""Validation of single config values: one function per kind of value.

The model calls these where a value is made (`model.*.__post_init__`), so the TOML reader,
the DSL and `convert` all reject the same values with the same words; the front door adds
the location (TOML line, or the DSL call's file and line). Each returns the value or
raises a `ConfigError` without a location.
"""

from __future__ import annotations

import datetime as _dt
import posixpath
import re

from .errors import ConfigError

__all__ = [
    "RESERVED_CONTAINER_PATHS",
    "validate_anysnake2_version",
    "validate_clone_dir",
    "validate_clone_url",
    "validate_container_path",
    "validate_date",
    "validate_python_version",
    "validate_rust_version",
]

_PY_VERSION = re.compile(r"^(\d+)\.(\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RUST_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")
# Paths the container runtime mounts itself: a volume there would hide the system.
RESERVED_CONTAINER_PATHS = ("/nix", "/proc", "/dev", "/anysnake2")


def validate_python_version(value: str) -> str:
    """`3.y`; anything else is a ConfigError saying why."""
    match = _PY_VERSION.match(value) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(
            f'python version must be major.minor such as "3.12", not {value!r}',
            hint="the patch level comes from the nixpkgs revision",
        )
    if match.group(1) != "3":
        raise ConfigError(
            f"python version {value!r} is not supported: anysnake2 builds Python 3 (3.x)",
            hint='e.g. "3.12"',
        )
    return value


def validate_date(value: str, what: str, *, today: _dt.date | None = None) -> str:
    """`YYYY-MM-DD`, a real date, not in the future."""
    if not isinstance(value, str) or not _DATE.match(value):
        raise ConfigError(f"{what} must be a date YYYY-MM-DD, not {value!r}")
    try:
        day = _dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{what} {value!r} is not a valid date") from None
    if day > (today or _dt.date.today()):
        raise ConfigError(f"{what} {value} is in the future", hint="use today's date or earlier")
    return value


def validate_anysnake2_version(value: str) -> str:
    """A PEP 440 version of anysnake2 (`"0.1.0"`), or `"dev"` (never switch versions)."""
    if value == "dev":
        return value
    from packaging.version import InvalidVersion, Version

    try:
        Version(value)
    except InvalidVersion:
        raise ConfigError(
            f"anysnake2 version {value!r} is not a version number",
            hint='write the anysnake2 release this project is made for, e.g. "0.1.0" '
            "(see 'anysnake2 version'), or \"dev\"",
        ) from None
    return value


def validate_rust_version(value: str) -> str:
    """A stable Rust release `1.80` or `1.80.0` (channel names are not versions)."""
    if not _RUST_VERSION.match(value):
        raise ConfigError(
            f'rust version {value!r} is not a stable Rust release such as "1.80.0"',
            hint="leave the version out for the newest stable (recorded on first use); "
            "nightly or beta toolchains go into nixpkgs packages, e.g. "
            "'rust-bin.nightly.\"2024-01-01\".default'",
        )
    return value


def validate_container_path(target: str, host: str, what: str) -> str:
    """An absolute container path for a volume that hides nothing the runtime needs."""
    if not target.startswith("/"):
        raise ConfigError(
            f"{what}: the container path {target!r} for {host!r} must be absolute",
            hint='e.g. "/project"',
        )
    normal = posixpath.normpath(target)
    if normal.startswith("//"):
        normal = "/" + normal.lstrip("/")
    if normal == "/" or any(
        normal == reserved or normal.startswith(reserved + "/")
        for reserved in RESERVED_CONTAINER_PATHS
    ):
        raise ConfigError(
            f"{what}: {host!r} cannot be mounted at {target!r}: the container needs that "
            "path for itself",
            hint="mount it elsewhere, e.g. at /project or /data (not /, "
            + ", ".join(RESERVED_CONTAINER_PATHS)
            + ")",
        )
    return target


def validate_clone_dir(directory: str) -> str:
    """A folder inside the project, relative to its root (`code`, `libs/ours`)."""
    parts = directory.replace("\\", "/").split("/")
    if (
        not directory.strip()
        or directory.startswith("/")
        or any(part in ("..", ".") for part in parts)
        or "" in parts
    ):
        raise ConfigError(
            f"clones: the folder {directory!r} must be a relative path inside the project "
            "(no '..', '.', empty parts or leading '/')",
            hint='e.g. [clones.code] / .clone("code", ...) clones into <project>/code/<name>',
        )
    return directory


def validate_clone_url(url: str, what: str) -> str:
    """A URL that can be cloned: git+..., hg+..., github:owner/repo or file:///path."""
    from .sources import parse_source

    try:
        kind = parse_source(url).kind
    except ConfigError as error:
        raise ConfigError(f"{what}: {error.message}", hint=error.hint) from None
    if kind not in ("git", "hg", "file", "github"):
        raise ConfigError(
            f"{what}: {url!r} is not a URL that can be cloned",
            hint="use git+https://..., hg+https://..., github:owner/repo or file:///path",
        )
    return url
