"""Validation of single config values: one function per kind of value.

The model calls these where a value is made (`model.*.__post_init__`), so the TOML reader,
the DSL and `convert` all reject the same values with the same words; the front door adds
the location (TOML line, or the DSL call's file and line). Each returns the value or
raises a `ConfigError` without a location.
"""

from __future__ import annotations

import datetime as _dt
import os
import posixpath
import re

from .errors import ConfigError

__all__ = [
    "RESERVED_CONTAINER_PATHS",
    "resolve_inside",
    "validate_anysnake2_version",
    "validate_clone_dir",
    "validate_clone_url",
    "validate_container_path",
    "validate_date",
    "validate_env_name",
    "validate_env_value",
    "validate_file_name",
    "validate_home",
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


# a file name longer than this is refused by every Linux file system (NAME_MAX)
NAME_MAX = 255


def validate_file_name(name: str, what: str) -> str:
    """A path the file system can hold: no NUL, no part over 255 bytes."""
    if "\x00" in name:
        raise ConfigError(f"{what}: {name!r} contains a NUL character")
    for part in name.split("/"):
        if len(part.encode("utf-8", "surrogatepass")) > NAME_MAX:
            raise ConfigError(
                f"{what}: the name {part[:40]!r}... is longer than {NAME_MAX} bytes",
                hint="file systems refuse longer file names",
            )
    return name


def _inside(value: str) -> bool:
    """A relative path that stays inside the folder it is relative to."""
    parts = value.replace("\\", "/").split("/")
    return (
        bool(value.strip())
        and not value.startswith("/")
        and not any(part in ("..", ".", "") for part in parts)
    )


def validate_clone_dir(directory: str, what: str = "clones") -> str:
    """A folder inside the project, relative to its root (`code`, `libs/ours`)."""
    validate_file_name(directory, what)
    if not _inside(directory):
        raise ConfigError(
            f"{what}: the folder {directory!r} must be a relative path inside the project "
            "(no '..', '.', empty parts or leading '/')",
            hint='e.g. [clones.code] / .clone("code", ...) clones into <project>/code/<name>',
        )
    return directory


def validate_clone_name(name: str, what: str) -> str:
    """One folder name (the checkout inside a clone folder): no '/', '.' or '..'."""
    validate_file_name(name, what)
    if not name.strip() or "/" in name or "\\" in name or name in (".", ".."):
        raise ConfigError(
            f"{what}: {name!r} must be a plain folder name (no '/', '.' or '..')",
            hint="the checkout goes to <project>/<folder>/<name>",
        )
    return name


def validate_home(home: str) -> str:
    """`[container] home`: absolute (anywhere, as the user wrote it, `$VAR`s allowed) or
    relative to the project root and inside it."""
    validate_file_name(home, "container.home")
    if home.startswith(("/", "~", "$")):
        return home
    normal = posixpath.normpath(home.replace("\\", "/"))
    if normal == ".." or normal.startswith("../"):
        raise ConfigError(
            f"container.home {home!r} leaves the project folder",
            hint='a relative home stays inside the project (e.g. "home"); write an '
            "absolute path for a folder elsewhere",
        )
    return home


def validate_env_name(name: str, what: str) -> str:
    """An environment variable name: not empty, no '=' and no NUL."""
    if not isinstance(name, str) or not name or "=" in name or "\x00" in name:
        raise ConfigError(
            f"{what}: {name!r} is not a valid environment variable name",
            hint="a name has no '=' and no NUL character, e.g. MY_VAR",
        )
    return name


def validate_env_value(name: str, value: str, what: str) -> str:
    """An environment variable's value: no NUL (no program could receive it)."""
    if "\x00" in value:
        raise ConfigError(f"{what}.{name}: the value contains a NUL character")
    return value


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


def resolve_inside(root: str | os.PathLike[str], relative: str, what: str) -> str:
    """`root/relative` with every symlink resolved; ConfigError (65) when that is outside
    the project root (a `..` or a symlink pointing out): anysnake2 writes only inside."""
    real_root = os.path.realpath(root)
    path = os.path.realpath(os.path.join(real_root, relative))
    if path != real_root and not path.startswith(real_root.rstrip("/") + "/"):
        raise ConfigError(
            f"{what}: {relative!r} is {path}, outside the project folder {real_root}",
            hint="anysnake2 creates and writes only inside the project; remove the symlink "
            "or the '..', or use a folder inside the project",
        )
    return path
