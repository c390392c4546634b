"""`[python]` and `[python.packages]` of the model (re-exported by `anysnake2.model`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._frozen import FrozenMap
from ._schema import key
from ._values import validate_clone_dir, validate_date, validate_python_version
from .errors import ConfigError
from .model_base import (
    check_bool,
    check_env,
    check_str,
    check_str_map,
    check_strings,
    freeze_map,
    freeze_tuple,
)
from .sources import Source

__all__ = ["Python", "PythonPackage", "normalize_version_spec"]


def normalize_version_spec(spec: str) -> tuple[str, str | None]:
    """Normalize a version constraint; returns (spec, warning or None).

    `""`/`"*"` mean any version (`""`); a bare `"1.2"` or `"=1.2"` is `==1.2`; `~=1.2`
    stays; a trailing dot (`">2."`) is dropped with a warning; anything that is still not a
    PEP 440 specifier set raises ConfigError.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    text = spec.strip()
    warning = None
    if text in ("", "*"):
        return "", None
    parts = []
    for raw in text.split(","):
        part = raw.strip()
        if re.match(r"^\d", part):
            part = "==" + part
        elif re.match(r"^=\s*\d", part):
            part = "=" + part
        if re.search(r"\d\.$", part):
            fixed = part.rstrip(".")
            warning = f"version {spec!r} read as {fixed!r} (trailing dot dropped)"
            part = fixed
        parts.append(part)
    normalized = ",".join(parts)
    try:
        SpecifierSet(normalized)
    except InvalidSpecifier:
        raise ConfigError(
            f"{spec!r} is not a valid version constraint",
            hint='write it as PEP 440, e.g. ">=1.2", "==1.2.3", "~=1.2" or "" for any version',
        ) from None
    return normalized, warning


@dataclass(frozen=True)
class PythonPackage:
    """One entry of `[python.packages]`.

    `version` is a PEP 440 specifier set ("" = any). `pypi` exempts the package from the
    ecosystem date (`"pypi"` newest, `"pypi:1.2"` = pypi with `==1.2`). `source` is a VCS or
    URL source; `editable` the folder the package is checked out into (e.g. "code").
    `override_attrs` values and `build_systems` are Nix-facing (override_attrs is Nix code).
    """

    name: str = key(role="name")
    version: str = key("", dsl="positional")
    pypi: bool = key(False, toml="")
    source: Source | None = key(None, toml="url")
    editable: str | None = None
    override_attrs: FrozenMap[str, str] = key(factory=FrozenMap)
    build_systems: tuple[str, ...] = ()
    patch_before_lock: str | None = None

    def __post_init__(self) -> None:
        owner = f"python.packages.{self.name}"
        check_str(owner, "name", self.name, optional=False)
        if not re.match(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$", self.name):
            raise ConfigError(f"{self.name!r} is not a valid Python package name")
        check_str(owner, "version", self.version, optional=False)
        check_bool(owner, "pypi", self.pypi)
        if self.source is not None and not isinstance(self.source, Source):
            raise ConfigError(f"{owner}.source must be a Source")
        if self.source is not None and self.version:
            raise ConfigError(
                f"{owner}: both a source URL and a version are given; only one is allowed"
            )
        if self.pypi and self.source is not None:
            raise ConfigError(f"{owner}: a pypi pin cannot have a source URL as well")
        check_str(owner, "editable", self.editable)
        if self.editable is not None:
            validate_clone_dir(self.editable, f"{owner}.editable")
        object.__setattr__(self, "override_attrs", freeze_map(self.override_attrs))
        check_str_map(owner, "override_attrs", self.override_attrs)
        object.__setattr__(self, "build_systems", freeze_tuple(self.build_systems))
        check_strings(owner, "build_systems", self.build_systems)
        check_str(owner, "patch_before_lock", self.patch_before_lock)

    @property
    def requirement(self) -> str:
        """The PEP 508 requirement used for locking (`name` plus version)."""
        return f"{self.name}{self.version}"


@dataclass(frozen=True)
class Python:
    """`[python]`: interpreter version, ecosystem date and packages."""

    version: str = key(dsl="positional")
    ecosystem_date: str | None = key(None, kind="date")
    packages: FrozenMap[str, PythonPackage] = key(factory=FrozenMap, dsl="call")
    uv_lock_env: FrozenMap[str, str] = key(factory=FrozenMap)
    prefer_wheels: bool | None = key(None, aliases=("preferWheels",))

    def __post_init__(self) -> None:
        validate_python_version(self.version)
        if self.ecosystem_date is not None:
            validate_date(self.ecosystem_date, "python.ecosystem_date")
        object.__setattr__(self, "packages", freeze_map(self.packages))
        for name, package in self.packages.items():
            if not isinstance(package, PythonPackage) or package.name != name:
                raise ConfigError(f"python.packages.{name} must be a PythonPackage named {name!r}")
        object.__setattr__(self, "uv_lock_env", freeze_map(self.uv_lock_env))
        check_str_map("python", "uv_lock_env", self.uv_lock_env)
        check_env("python.uv_lock_env", self.uv_lock_env)
        check_bool("python", "prefer_wheels", self.prefer_wheels)
