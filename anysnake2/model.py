"""The project model: one frozen schema that every front door (TOML, DSL) produces.

Field names are the TOML keys and the DSL's argument names; where they differ (an old
spelling, `[R]`) the field says so (`_schema.key`). The TOML reader, both writers and the
DSL take each section's keys from these fields (adding one: see `_schema`). `[python]` is
in `model_python`, `[slurm]` in `model_slurm`. Absent values stay absent (`None`): they are resolved and recorded later, never silently
defaulted here. `$ANYSNAKE_ROOT`/`$ANYSNAKE2_ROOT` stay symbolic.

Single values are validated where they are made (`__post_init__`); cross-field rules live
in `Project.__post_init__`. Errors are `ConfigError`s without a location: the front door
that made the value adds file and line (TOML) or the user's call (DSL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from ._frozen import FrozenMap
from ._names import RESERVED_COMMANDS, RESERVED_FLAKE_NAMES
from ._schema import key
from ._values import (
    validate_anysnake2_version,
    validate_clone_dir,
    validate_clone_name,
    validate_clone_url,
    validate_container_path,
    validate_date,
    validate_file_name,
    validate_home,
    validate_python_version,
    validate_rust_version,
)
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
from .model_python import Python, PythonPackage, normalize_version_spec
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


@dataclass(frozen=True)
class AnysnakeSettings:
    """`[anysnake2]`: which anysnake2 a project was made with, and tool switches."""

    version: str | None = key(None, dsl="positional")
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
                check_bool("anysnake2", f.name, value)
            else:
                check_str("anysnake2", f.name, value)
        if self.version is not None:
            validate_anysnake2_version(self.version)


@dataclass(frozen=True)
class Input:
    """A pinned flake input: `url` without revision, `rev` (tag, branch or sha), `ref` (branch)."""

    url: str | None = key(None, dsl="positional")
    rev: str | None = None
    ref: str | None = None

    def __post_init__(self) -> None:
        for name in ("url", "rev", "ref"):
            check_str("input", name, getattr(self, name))
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
    rev: str | None = key(None, dsl="positional")
    ref: str | None = None
    packages: tuple[str, ...] | None = None
    allow_unfree: bool | None = None
    permitted_insecure_packages: tuple[str, ...] = ()
    overlay: str | None = None

    def __post_init__(self) -> None:
        Input(self.url, self.rev, self.ref)
        if self.packages is not None:
            object.__setattr__(self, "packages", freeze_tuple(self.packages))
            check_strings("nixpkgs", "packages", self.packages)
        object.__setattr__(
            self, "permitted_insecure_packages", freeze_tuple(self.permitted_insecure_packages)
        )
        check_strings("nixpkgs", "permitted_insecure_packages", self.permitted_insecure_packages)
        check_bool("nixpkgs", "allow_unfree", self.allow_unfree)
        check_str("nixpkgs", "overlay", self.overlay)

    @property
    def input(self) -> Input:
        return Input(self.url, self.rev, self.ref)


@dataclass(frozen=True)
class R:
    """`[R]`: R and its packages by nixR `date` (or r_ecosystem_track `ecosystem_tag`)."""

    packages: tuple[str, ...] = key((), dsl="positional")
    date: str | None = key(None, kind="date")
    ecosystem_tag: str | None = None
    url: str | None = key(None, aliases=("nixr_url", "r_ecosystem_track_url"))
    rev: str | None = key(None, aliases=("nixr_tag",))
    ref: str | None = None
    override_attrs: FrozenMap[str, str] = key(factory=FrozenMap)
    dependency_overrides: FrozenMap[str, str] = key(factory=FrozenMap)
    additional_packages: FrozenMap[str, str] = key(factory=FrozenMap)
    use_inside_nix_pkgs: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "packages", freeze_tuple(self.packages))
        check_strings("R", "packages", self.packages)
        if self.date is not None:
            validate_date(self.date, "R.date")
        for name in ("ecosystem_tag", "url", "rev", "ref"):
            check_str("R", name, getattr(self, name))
        if self.date is not None and self.ecosystem_tag is not None:
            raise ConfigError(
                "R: give either date (nixR) or ecosystem_tag (r_ecosystem_track), not both"
            )
        for name in ("override_attrs", "dependency_overrides", "additional_packages"):
            object.__setattr__(self, name, freeze_map(getattr(self, name)))
            check_str_map("R", name, getattr(self, name))
        for entry in self.additional_packages:
            if "_" not in entry:
                raise ConfigError(
                    f"R.additional_packages key {entry!r} must be name_version (e.g. 'foo_1.0')"
                )
        check_bool("R", "use_inside_nix_pkgs", self.use_inside_nix_pkgs)


@dataclass(frozen=True)
class Rust:
    """`[rust]`: a stable Rust `version` from rust-overlay (pinned by url/rev)."""

    version: str | None = key(None, dsl="positional")
    url: str | None = key(None, aliases=("rust_overlay_url",))
    rev: str | None = key(None, aliases=("rust_overlay_rev",))
    ref: str | None = None

    def __post_init__(self) -> None:
        for name in ("version", "url", "rev", "ref"):
            check_str("rust", name, getattr(self, name))
        if self.version is not None:
            validate_rust_version(self.version)


@dataclass(frozen=True)
class Flake:
    """`[flakes.<name>]`: any flake; `packages` None = its default package, () = none."""

    name: str = key(role="name")
    url: str = key(dsl="positional")
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
        check_str(owner, "url", self.url, optional=False)
        Input(self.url, self.rev, self.ref)
        check_str(owner, "dir", self.dir)
        object.__setattr__(self, "follows", freeze_tuple(self.follows))
        check_strings(owner, "follows", self.follows)
        if self.packages is not None:
            object.__setattr__(self, "packages", freeze_tuple(self.packages))
            check_strings(owner, "packages", self.packages)


@dataclass(frozen=True)
class CloneOptions:
    """`[clone_options]`."""

    jujutsu: bool | None = None

    def __post_init__(self) -> None:
        check_bool("clone_options", "jujutsu", self.jujutsu)


@dataclass(frozen=True)
class Container:
    """`[container]`: how the container is started."""

    home: str | None = None
    runtime: Runtime | None = None
    dtach: bool | None = key(None, aliases=("detach",))
    env: FrozenMap[str, str] = key(factory=FrozenMap)
    volumes_ro: FrozenMap[str, str] = key(factory=FrozenMap, dsl="call")
    volumes_rw: FrozenMap[str, str] = key(factory=FrozenMap, dsl="call")
    gpu: bool | None = None

    def __post_init__(self) -> None:
        check_str("container", "home", self.home)
        if self.home is not None:
            validate_home(self.home)
        for name in ("volumes_ro", "volumes_rw", "env"):
            object.__setattr__(self, name, freeze_map(getattr(self, name)))
            check_str_map("container", name, getattr(self, name))
        check_env("container.env", self.env)
        for name in ("volumes_ro", "volumes_rw"):
            for host, target in getattr(self, name).items():
                validate_container_path(target, host, f"container.{name}")
        if self.runtime is not None and self.runtime not in RUNTIMES:
            raise ConfigError(
                f"container.runtime {self.runtime!r} is not known",
                hint="use one of " + ", ".join(RUNTIMES),
            )
        check_bool("container", "dtach", self.dtach)
        check_bool("container", "gpu", self.gpu)


@dataclass(frozen=True)
class Command:
    """`[cmd.<name>]`: a script run in the container, with hooks around it."""

    name: str = key(role="name")
    run: str = key(dsl="positional")
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
                check_str(
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
        check_str("dev_shell", "shell", self.shell)
        object.__setattr__(self, "inputs", freeze_tuple(self.inputs))
        check_strings("dev_shell", "inputs", self.inputs)


@dataclass(frozen=True)
class Project:
    """A whole anysnake2 project. Equal projects mean the same environment.

    `warnings` (notes from the front door) and `origin` (the file it came from) do not
    take part in equality.
    """

    anysnake2: AnysnakeSettings = key(factory=AnysnakeSettings)
    nixpkgs: Nixpkgs | None = None
    outside_nixpkgs: Nixpkgs | None = None
    # the helper inputs are tables of their own: [uv2nix], [pyproject-nix], ...
    inputs: FrozenMap[str, Input] = key(factory=FrozenMap, toml="", method="input")
    python: Python | None = None
    r: R | None = key(None, toml="R")
    rust: Rust | None = None
    flakes: FrozenMap[str, Flake] = key(factory=FrozenMap, method="flake")
    clones: FrozenMap[str, FrozenMap[str, str]] = key(factory=FrozenMap, method="clone")
    clone_options: CloneOptions = key(factory=CloneOptions)
    container: Container = key(factory=Container)
    env: FrozenMap[str, str] = key(factory=FrozenMap)
    cmd: FrozenMap[str, Command] = key(factory=FrozenMap)
    dev_shell: DevShell | None = key(None, aliases=("devShell", "devshell"))
    slurm: Slurm | None = None
    warnings: tuple[str, ...] = key((), role="internal", compare=False)
    origin: str | None = key(None, role="internal", compare=False)

    def __post_init__(self) -> None:
        for name in ("flakes", "clones", "env", "cmd", "inputs"):
            object.__setattr__(self, name, freeze_map(getattr(self, name)))
        object.__setattr__(
            self, "clones", FrozenMap({d: freeze_map(e) for d, e in self.clones.items()})
        )
        check_str_map("project", "env", self.env)
        check_env("env", self.env)
        for directory, entries in self.clones.items():
            validate_clone_dir(directory)
            check_str_map(f"clones.{directory}", "entries", entries)
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
