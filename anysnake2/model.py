"""The project model: one frozen schema that every front door (TOML, DSL) produces.

Field names are the TOML keys of our format and the DSL's method and argument names.
Absent values stay absent (`None`): they are resolved and recorded later, never silently
defaulted here. `$ANYSNAKE_ROOT`/`$ANYSNAKE2_ROOT` stay symbolic.

Single values are validated where they are made (`__post_init__`); cross-field rules live
in `Project.__post_init__`. Errors are `ConfigError`s without a location: the front door
that made the value adds file and line (TOML) or the user's call (DSL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from ._frozen import FrozenMap
from ._names import RESERVED_COMMANDS, RESERVED_FLAKE_NAMES
from ._values import (
    validate_anysnake2_version,
    validate_clone_dir,
    validate_clone_name,
    validate_clone_url,
    validate_container_path,
    validate_date,
    validate_env_name,
    validate_env_value,
    validate_file_name,
    validate_home,
    validate_python_version,
    validate_rust_version,
)
from .errors import ConfigError
from .model_slurm import Slurm
from .sources import Source

__all__ = [
    "RESERVED_COMMANDS",
    "RUNTIMES",
    "AnysnakeSettings",
    "CloneOptions",
    "Command",
    "Container",
    "DevShell",
    "Flake",
    "FrozenMap",
    "Input",
    "Nixpkgs",
    "Project",
    "Python",
    "PythonPackage",
    "R",
    "Rust",
    "Slurm",
    "Source",
    "normalize_version_spec",
    "validate_date",
    "validate_python_version",
]

RUNTIMES = ("apptainer", "singularity", "bwrap")
HELPER_INPUTS = (
    "build-system-pkgs",
    "flake-utils",
    "nixpkgs-lib",
    "pyproject-nix",
    "uv2nix",
    "uv2nix_hammer_overrides",
)

Runtime = Literal["apptainer", "singularity", "bwrap"]


def _freeze_map(value: Any) -> FrozenMap:
    return value if isinstance(value, FrozenMap) else FrozenMap(value or {})


def _freeze_tuple(value: Any) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        raise ConfigError(f"expected a list of strings, got the string {value!r}")
    return tuple(value)


def _check_str(owner: str, name: str, value: Any, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise ConfigError(f"{owner}.{name} must be a string, not {type(value).__name__} {value!r}")


def _check_bool(owner: str, name: str, value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise ConfigError(f"{owner}.{name} must be true or false, not {value!r}")


def _check_strings(owner: str, name: str, values: tuple) -> None:
    for item in values:
        if not isinstance(item, str):
            raise ConfigError(f"{owner}.{name} must hold strings only, found {item!r}")


def _check_str_map(owner: str, name: str, mapping: FrozenMap) -> None:
    for key, value in mapping.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ConfigError(f"{owner}.{name}.{key} must be a string, not {value!r}")


def _check_env(what: str, mapping: FrozenMap) -> None:
    for key, value in mapping.items():
        validate_env_name(key, what)
        validate_env_value(key, value, what)


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
class AnysnakeSettings:
    """`[anysnake2]`: which anysnake2 a project was made with, and tool switches."""

    version: str | None = None
    index_url: str | None = None
    find_links: str | None = None
    rev: str | None = None
    url: str | None = None
    url2: str | None = None
    use_binary: bool | None = None
    do_not_modify_flake: bool | None = None
    dtach: bool | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("use_binary", "do_not_modify_flake", "dtach"):
                _check_bool("anysnake2", f.name, value)
            else:
                _check_str("anysnake2", f.name, value)
        if self.version is not None:
            validate_anysnake2_version(self.version)


@dataclass(frozen=True)
class Input:
    """A pinned flake input: `url` without revision, `rev` (tag, branch or sha), `ref` (branch)."""

    url: str | None = None
    rev: str | None = None
    ref: str | None = None

    def __post_init__(self) -> None:
        for name in ("url", "rev", "ref"):
            _check_str("input", name, getattr(self, name))
        if self.url and self.url.startswith("path:"):
            raise ConfigError(
                f"flake URL {self.url!r}: path: URLs are not accepted (nix handles ?rev= wrong "
                "for them)",
                hint="use git+file:///abs/path with a rev, or $ANYSNAKE_ROOT/relative/path",
            )


@dataclass(frozen=True)
class Nixpkgs:
    """`[nixpkgs]` (inside the container) and `[outside_nixpkgs]` (tools on the host)."""

    url: str | None = None
    rev: str | None = None
    ref: str | None = None
    packages: tuple[str, ...] | None = None
    allow_unfree: bool | None = None
    permitted_insecure_packages: tuple[str, ...] = ()
    overlay: str | None = None

    def __post_init__(self) -> None:
        Input(self.url, self.rev, self.ref)
        if self.packages is not None:
            object.__setattr__(self, "packages", _freeze_tuple(self.packages))
            _check_strings("nixpkgs", "packages", self.packages)
        object.__setattr__(
            self, "permitted_insecure_packages", _freeze_tuple(self.permitted_insecure_packages)
        )
        _check_strings("nixpkgs", "permitted_insecure_packages", self.permitted_insecure_packages)
        _check_bool("nixpkgs", "allow_unfree", self.allow_unfree)
        _check_str("nixpkgs", "overlay", self.overlay)

    @property
    def input(self) -> Input:
        return Input(self.url, self.rev, self.ref)


@dataclass(frozen=True)
class PythonPackage:
    """One entry of `[python.packages]`.

    `version` is a PEP 440 specifier set ("" = any). `pypi` exempts the package from the
    ecosystem date (`"pypi"` newest, `"pypi:1.2"` = pypi with `==1.2`). `source` is a VCS or
    URL source; `editable` the folder the package is checked out into (e.g. "code").
    `override_attrs` values and `build_systems` are Nix-facing (override_attrs is Nix code).
    """

    name: str
    version: str = ""
    pypi: bool = False
    source: Source | None = None
    editable: str | None = None
    override_attrs: FrozenMap[str, str] = field(default_factory=FrozenMap)
    build_systems: tuple[str, ...] = ()
    patch_before_lock: str | None = None

    def __post_init__(self) -> None:
        owner = f"python.packages.{self.name}"
        _check_str(owner, "name", self.name, optional=False)
        if not re.match(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$", self.name):
            raise ConfigError(f"{self.name!r} is not a valid Python package name")
        _check_str(owner, "version", self.version, optional=False)
        _check_bool(owner, "pypi", self.pypi)
        if self.source is not None and not isinstance(self.source, Source):
            raise ConfigError(f"{owner}.source must be a Source")
        if self.source is not None and self.version:
            raise ConfigError(
                f"{owner}: both a source URL and a version are given; only one is allowed"
            )
        if self.pypi and self.source is not None:
            raise ConfigError(f"{owner}: a pypi pin cannot have a source URL as well")
        _check_str(owner, "editable", self.editable)
        if self.editable is not None:
            validate_clone_dir(self.editable, f"{owner}.editable")
        object.__setattr__(self, "override_attrs", _freeze_map(self.override_attrs))
        _check_str_map(owner, "override_attrs", self.override_attrs)
        object.__setattr__(self, "build_systems", _freeze_tuple(self.build_systems))
        _check_strings(owner, "build_systems", self.build_systems)
        _check_str(owner, "patch_before_lock", self.patch_before_lock)

    @property
    def requirement(self) -> str:
        """The PEP 508 requirement used for locking (`name` plus version)."""
        return f"{self.name}{self.version}"


@dataclass(frozen=True)
class Python:
    """`[python]`: interpreter version, ecosystem date and packages."""

    version: str
    ecosystem_date: str | None = None
    packages: FrozenMap[str, PythonPackage] = field(default_factory=FrozenMap)
    uv_lock_env: FrozenMap[str, str] = field(default_factory=FrozenMap)
    prefer_wheels: bool | None = None

    def __post_init__(self) -> None:
        validate_python_version(self.version)
        if self.ecosystem_date is not None:
            validate_date(self.ecosystem_date, "python.ecosystem_date")
        object.__setattr__(self, "packages", _freeze_map(self.packages))
        for name, package in self.packages.items():
            if not isinstance(package, PythonPackage) or package.name != name:
                raise ConfigError(f"python.packages.{name} must be a PythonPackage named {name!r}")
        object.__setattr__(self, "uv_lock_env", _freeze_map(self.uv_lock_env))
        _check_str_map("python", "uv_lock_env", self.uv_lock_env)
        _check_env("python.uv_lock_env", self.uv_lock_env)
        _check_bool("python", "prefer_wheels", self.prefer_wheels)


@dataclass(frozen=True)
class R:
    """`[R]`: R and its packages by nixR `date` (or r_ecosystem_track `ecosystem_tag`)."""

    packages: tuple[str, ...] = ()
    date: str | None = None
    ecosystem_tag: str | None = None
    url: str | None = None
    rev: str | None = None
    ref: str | None = None
    override_attrs: FrozenMap[str, str] = field(default_factory=FrozenMap)
    dependency_overrides: FrozenMap[str, str] = field(default_factory=FrozenMap)
    additional_packages: FrozenMap[str, str] = field(default_factory=FrozenMap)
    use_inside_nix_pkgs: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "packages", _freeze_tuple(self.packages))
        _check_strings("R", "packages", self.packages)
        if self.date is not None:
            validate_date(self.date, "R.date")
        for name in ("ecosystem_tag", "url", "rev", "ref"):
            _check_str("R", name, getattr(self, name))
        if self.date is not None and self.ecosystem_tag is not None:
            raise ConfigError(
                "R: give either date (nixR) or ecosystem_tag (r_ecosystem_track), not both"
            )
        for name in ("override_attrs", "dependency_overrides", "additional_packages"):
            object.__setattr__(self, name, _freeze_map(getattr(self, name)))
            _check_str_map("R", name, getattr(self, name))
        for key in self.additional_packages:
            if "_" not in key:
                raise ConfigError(
                    f"R.additional_packages key {key!r} must be name_version (e.g. 'foo_1.0')"
                )
        _check_bool("R", "use_inside_nix_pkgs", self.use_inside_nix_pkgs)


@dataclass(frozen=True)
class Rust:
    """`[rust]`: a stable Rust `version` from rust-overlay (pinned by url/rev)."""

    version: str | None = None
    url: str | None = None
    rev: str | None = None
    ref: str | None = None

    def __post_init__(self) -> None:
        for name in ("version", "url", "rev", "ref"):
            _check_str("rust", name, getattr(self, name))
        if self.version is not None:
            validate_rust_version(self.version)


@dataclass(frozen=True)
class Flake:
    """`[flakes.<name>]`: any flake; `packages` None = its default package, () = none."""

    name: str
    url: str
    rev: str | None = None
    ref: str | None = None
    dir: str | None = None
    follows: tuple[str, ...] = ()
    packages: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        owner = f"flakes.{self.name}"
        if not isinstance(self.name, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_'-]*$", self.name):
            raise ConfigError(f"{self.name!r} is not a valid flake input name")
        if self.name in RESERVED_FLAKE_NAMES:
            raise ConfigError(
                f"flakes.{self.name}: the name {self.name!r} is taken by an input anysnake2 adds",
                hint=f"rename it, e.g. my_{self.name} (taken: "
                + ", ".join(RESERVED_FLAKE_NAMES)
                + ")",
            )
        _check_str(owner, "url", self.url, optional=False)
        Input(self.url, self.rev, self.ref)
        _check_str(owner, "dir", self.dir)
        object.__setattr__(self, "follows", _freeze_tuple(self.follows))
        _check_strings(owner, "follows", self.follows)
        if self.packages is not None:
            object.__setattr__(self, "packages", _freeze_tuple(self.packages))
            _check_strings(owner, "packages", self.packages)


@dataclass(frozen=True)
class CloneOptions:
    """`[clone_options]`."""

    jujutsu: bool | None = None

    def __post_init__(self) -> None:
        _check_bool("clone_options", "jujutsu", self.jujutsu)


@dataclass(frozen=True)
class Container:
    """`[container]`: how the container is started."""

    home: str | None = None
    volumes_ro: FrozenMap[str, str] = field(default_factory=FrozenMap)
    volumes_rw: FrozenMap[str, str] = field(default_factory=FrozenMap)
    env: FrozenMap[str, str] = field(default_factory=FrozenMap)
    runtime: Runtime | None = None
    dtach: bool | None = None
    gpu: bool | None = None

    def __post_init__(self) -> None:
        _check_str("container", "home", self.home)
        if self.home is not None:
            validate_home(self.home)
        for name in ("volumes_ro", "volumes_rw", "env"):
            object.__setattr__(self, name, _freeze_map(getattr(self, name)))
            _check_str_map("container", name, getattr(self, name))
        _check_env("container.env", self.env)
        for name in ("volumes_ro", "volumes_rw"):
            for host, target in getattr(self, name).items():
                validate_container_path(target, host, f"container.{name}")
        if self.runtime is not None and self.runtime not in RUNTIMES:
            raise ConfigError(
                f"container.runtime {self.runtime!r} is not known",
                hint="use one of " + ", ".join(RUNTIMES),
            )
        _check_bool("container", "dtach", self.dtach)
        _check_bool("container", "gpu", self.gpu)


@dataclass(frozen=True)
class Command:
    """`[cmd.<name>]`: a script run in the container, with hooks around it."""

    name: str
    run: str
    pre_run_outside: str | None = None
    while_run_outside: str | None = None
    pre_run_inside: str | None = None
    post_run_inside: str | None = None
    post_run_outside: str | None = None
    slurm: Slurm | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not re.match(
            r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", self.name
        ):
            raise ConfigError(f"{self.name!r} is not a valid command name")
        validate_file_name(self.name, "cmd")
        if self.name in RESERVED_COMMANDS:
            raise ConfigError(
                f"cmd.{self.name}: '{self.name}' is a built-in command of anysnake2",
                hint=f"rename it, e.g. [cmd.my_{self.name}] (reserved: "
                + ", ".join(RESERVED_COMMANDS)
                + ")",
            )
        for f in fields(self):
            if f.name != "slurm":
                _check_str(
                    f"cmd.{self.name}", f.name, getattr(self, f.name), optional=f.name != "run"
                )
        if self.slurm is not None and not isinstance(self.slurm, Slurm):
            raise ConfigError(f"cmd.{self.name}.slurm must be a Slurm")


@dataclass(frozen=True)
class DevShell:
    """`[dev_shell]`: the shell `anysnake2 develop` starts and extra packages for it."""

    shell: str | None = None
    inputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_str("dev_shell", "shell", self.shell)
        object.__setattr__(self, "inputs", _freeze_tuple(self.inputs))
        _check_strings("dev_shell", "inputs", self.inputs)


@dataclass(frozen=True)
class Project:
    """A whole anysnake2 project. Equal projects mean the same environment.

    `warnings` (notes from the front door) and `origin` (the file it came from) do not
    take part in equality.
    """

    anysnake2: AnysnakeSettings = field(default_factory=AnysnakeSettings)
    nixpkgs: Nixpkgs | None = None
    outside_nixpkgs: Nixpkgs | None = None
    python: Python | None = None
    r: R | None = None
    rust: Rust | None = None
    flakes: FrozenMap[str, Flake] = field(default_factory=FrozenMap)
    clones: FrozenMap[str, FrozenMap[str, str]] = field(default_factory=FrozenMap)
    clone_options: CloneOptions = field(default_factory=CloneOptions)
    container: Container = field(default_factory=Container)
    env: FrozenMap[str, str] = field(default_factory=FrozenMap)
    cmd: FrozenMap[str, Command] = field(default_factory=FrozenMap)
    dev_shell: DevShell | None = None
    inputs: FrozenMap[str, Input] = field(default_factory=FrozenMap)
    slurm: Slurm | None = None
    warnings: tuple[str, ...] = field(default=(), compare=False)
    origin: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("flakes", "clones", "env", "cmd", "inputs"):
            object.__setattr__(self, name, _freeze_map(getattr(self, name)))
        object.__setattr__(
            self, "clones", FrozenMap({d: _freeze_map(e) for d, e in self.clones.items()})
        )
        _check_str_map("project", "env", self.env)
        _check_env("env", self.env)
        for directory, entries in self.clones.items():
            validate_clone_dir(directory)
            _check_str_map(f"clones.{directory}", "entries", entries)
            for name, url in entries.items():
                validate_clone_name(name, f"clones.{directory}")
                validate_clone_url(url, f"clones.{directory}.{name}")
        for name, flake in self.flakes.items():
            if not isinstance(flake, Flake) or flake.name != name:
                raise ConfigError(f"flakes.{name} must be a Flake named {name!r}")
        for name, command in self.cmd.items():
            if not isinstance(command, Command) or command.name != name:
                raise ConfigError(f"cmd.{name} must be a Command named {name!r}")
        for name in self.inputs:
            if name not in HELPER_INPUTS:
                raise ConfigError(
                    f"unknown helper input {name!r}", hint="known: " + ", ".join(HELPER_INPUTS)
                )
        object.__setattr__(self, "warnings", tuple(self.warnings))

    def replace(self, **changes: Any) -> Project:
        """A copy with `changes` applied (the model is immutable)."""
        return replace(self, **changes)
