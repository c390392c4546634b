"""Read anysnake2.toml (our format, and the original's 1.x and 2.x files) into a Project.

Every key of the original either maps onto the model or is accepted with a one-line
warning saying why it has no effect here; anything else is a ConfigError (65) with the
file, the line and a did-you-mean. 2.x files (``url2`` or a 2.x-only key) are read with 2.x
meanings: there a ``rev`` beside a URL that already pins a revision is ignored with a
warning, as the original did.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .._schema import aliases, keys, section_class, toml_name, toml_names
from .._values import (
    validate_anysnake2_version,
    validate_container_path,
    validate_file_name,
    validate_home,
    validate_rust_version,
)
from ..errors import ConfigError
from ..model import (
    AnysnakeSettings,
    CloneOptions,
    Command,
    Container,
    DevShell,
    Flake,
    Input,
    Nixpkgs,
    Project,
    R,
    Rust,
    validate_date,
)
from ._base import Era, ReadState
from ._clones import read_clones
from ._fields import read_fields, section_table
from ._inputs import read_input_fields
from ._python import read_python
from ._slurm import read_slurm

__all__ = ["detect_era", "read_project", "read_project_text"]

from .. import _toml

HELPER_SECTIONS = {
    "uv2nix": "uv2nix",
    "pyproject-nix": "pyproject-nix",
    "build-system-pkgs": "build-system-pkgs",
    "flake-utils": "flake-utils",
    "nixpkgs-lib": "nixpkgs-lib",
    "flake-util": "flake-utils",  # the original's spelling
    "pyproject_build_systems": "build-system-pkgs",  # 2.x
    "uv2nix_hammer_overrides": "uv2nix_hammer_overrides",
    "uv2nix_override_collection": "uv2nix_hammer_overrides",  # 2.x
}
IGNORED_SECTIONS = {
    "mach-nix": "mach-nix is not used: Python environments are locked with uv and built "
    "with uv2nix",
    "ancient_poetry": "ancient-poetry is not used: uv locks Python packages by ecosystem_date",
    "poetry2nix": "poetry2nix is not used: Python environments are built with uv2nix",
}
_CLONE_SECTIONS = ("clone_regexps",)  # merged into [clones] (1.x spelling)
SECTIONS = (
    *toml_names(Project),
    *aliases(Project),
    *_CLONE_SECTIONS,
    *HELPER_SECTIONS,
    *IGNORED_SECTIONS,
)
_TWO_X_SECTIONS = ("ancient_poetry", "uv2nix_override_collection", "pyproject_build_systems")
_TWO_X_SECTIONS += ("poetry2nix",)
INPUT_KEYS = toml_names(Input)
_CLONE_OPTIONS = ("clone_regexps", "regex")  # 2.x: the clone regexps lived here


def read_project(path: Path) -> Project:
    """Read the TOML config at `path` (ConfigError 65 for anything wrong in it)."""
    from .._config_text import read_config

    return read_project_text(read_config(path), str(path))


def read_project_text(text: str, path: str) -> Project:
    """Read TOML `text`; `path` is used in messages and recorded as `Project.origin`."""
    try:
        data = _toml.loads(text)
    except _toml.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = column = None
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            message = message[: match.start()].strip()
        elif "(at end of document)" in message:
            lines = text.rstrip("\n").split("\n")
            line, column = len(lines), len(lines[-1]) + 1
            message = (
                message.replace("(at end of document)", "").strip() + " at the end of the file"
            )
        raise ConfigError(
            f"not valid TOML: {message}",
            hint="see https://toml.io for the syntax",
            file=path,
            line=line,
            column=column,
        ) from None
    state = ReadState(text, path, detect_era(data))
    project = _read(state, data)
    return project.replace(warnings=tuple(state.warnings), origin=path)


def detect_era(data: dict[str, Any]) -> Era:
    """'2.x' when the file uses a key that only the original 2.x knew, else '1.x'."""
    anysnake2 = data.get("anysnake2")
    if isinstance(anysnake2, dict) and "url2" in anysnake2:
        return "2.x"
    if any(section in data for section in _TWO_X_SECTIONS):
        return "2.x"
    python = data.get("python")
    if isinstance(python, dict):
        if "preferWheels" in python:
            return "2.x"
        packages = python.get("packages")
        if isinstance(packages, dict) and any(
            isinstance(v, dict) and "poetry2nix" in v for v in packages.values()
        ):
            return "2.x"
    options = data.get("clone_options")
    if isinstance(options, dict) and ("clone_regexps" in options or "regex" in options):
        return "2.x"
    return "1.x"


def _read(state: ReadState, data: dict[str, Any]) -> Project:
    state.check_keys(data, (), SECTIONS)
    sections = {name: state.table(value, (name,)) for name, value in data.items()}
    for name, why in IGNORED_SECTIONS.items():
        if name in sections:
            state.warn(f"[{name}] has no effect here: {why}", (name,))
    fields: dict[str, Any] = {}
    prefer_wheels = None
    for f in keys(Project):  # in the model's order: warnings come in that order
        name = toml_name(f)
        if f.name == "inputs":
            fields["inputs"], prefer_wheels = _helper_inputs(state, sections)
        elif f.name == "python" and name in sections:
            fields["python"] = read_python(state, sections[name], prefer_wheels)
        elif f.name == "python" and prefer_wheels is not None:
            state.warn("uv2nix.prefer_wheels has no effect without [python]", ("uv2nix",))
        elif f.name in _FROM_SEVERAL_TABLES:
            value = _FROM_SEVERAL_TABLES[f.name](state, sections)
            if value is not None:
                fields[f.name] = value
        elif name in sections:
            read = _READERS.get(f.name)
            if read is None:  # a section whose keys need nothing beyond their types
                fields[f.name] = _simple(state, section_class(Project, f), sections[name], (name,))
            else:
                fields[f.name] = read(state, sections[name], (name,))
    with state.at(()):
        return Project(**fields)


def _helper_inputs(
    state: ReadState, sections: dict[str, dict[str, Any]]
) -> tuple[dict[str, Input], bool | None]:
    """The helper inputs' pins (each under any of its spellings) and `[uv2nix] prefer_wheels`."""
    prefer_wheels = None
    inputs: dict[str, Input] = {}
    for name, key in HELPER_SECTIONS.items():
        if name not in sections:
            continue
        table = sections[name]
        allowed = INPUT_KEYS + (("prefer_wheels",) if name == "uv2nix" else ())
        state.check_keys(table, (name,), allowed)
        if name == "uv2nix":
            prefer_wheels = state.boolean(table, "prefer_wheels", (name,))
        values = read_input_fields(state, table, (name,))
        if not any(values.values()):
            continue
        with state.at((name,)):
            made = Input(**values)
        if key in inputs and inputs[key] != made:
            raise state.error(
                f"[{name}] and another spelling of the {key} pin disagree",
                (name,),
                hint="keep one section",
            )
        inputs[key] = made
    return inputs, prefer_wheels


def _simple(
    state: ReadState,
    cls: Any,
    raw: dict[str, Any],
    path: tuple[str, ...],
    extra: tuple[str, ...] = (),
) -> Any:
    """A section whose keys need nothing beyond their types."""
    table = section_table(state, cls, raw, path, extra)
    with state.at(path):
        return cls(**read_fields(state, cls, table, path))


def _anysnake2(state: ReadState, raw: dict[str, Any], path: tuple[str, ...]) -> AnysnakeSettings:
    table = section_table(state, AnysnakeSettings, raw, path)
    values = read_fields(state, AnysnakeSettings, table, path)
    pins = [k for k in ("rev", "url2") if values.get(k) not in (None, "dev")]
    if pins:
        state.warn(
            f"[anysnake2] {' and '.join(pins)} pin the original (Rust) anysnake2; this "
            "implementation runs instead",
            path + (pins[0],),
        )
    if values.get("version") is not None:
        with state.at(path + ("version",)):
            validate_anysnake2_version(values["version"])
    with state.at(path):
        return AnysnakeSettings(**values)


def _nixpkgs(state: ReadState, raw: dict[str, Any], path: tuple[str, ...]) -> Nixpkgs:
    table = section_table(state, Nixpkgs, raw, path)
    with state.at(path):
        return Nixpkgs(
            **read_input_fields(state, table, path),
            **read_fields(state, Nixpkgs, table, path, skip=INPUT_KEYS),
        )


def _r(state: ReadState, raw: dict[str, Any], path: tuple[str, ...]) -> R:
    table = section_table(state, R, raw, path)
    date = state.date(table, "date", path)
    if date is not None:
        with state.at(path + ("date",)):
            validate_date(date, "R.date")
    for key in state.str_map(table, "additional_packages", path) or {}:
        if "_" not in key:
            raise state.error(
                f"R.additional_packages: the key {key!r} must be name_version (e.g. 'foo_1.0')",
                path + ("additional_packages", key),
            )
    values = read_fields(state, R, table, path, skip=INPUT_KEYS)
    with state.at(path):
        return R(**values, **read_input_fields(state, table, path))


def _rust(state: ReadState, raw: dict[str, Any], path: tuple[str, ...]) -> Rust:
    table = section_table(state, Rust, raw, path)
    values = read_fields(state, Rust, table, path, skip=INPUT_KEYS)
    if values.get("version") is not None:
        with state.at(path + ("version",)):
            validate_rust_version(values["version"])
    with state.at(path):
        return Rust(**values, **read_input_fields(state, table, path))


def _flakes(state: ReadState, table: dict[str, Any], section: tuple[str, ...]) -> dict[str, Flake]:
    flakes = {}
    for name, value in table.items():
        path = section + (name,)
        entry = section_table(state, Flake, state.table(value, path), path)
        if "url" not in entry:
            raise state.error(
                f"[flakes.{name}] needs a url", path, hint='e.g. url = "github:owner/repo"'
            )
        with state.at(path):
            flakes[name] = Flake(
                name=name,
                **read_input_fields(state, entry, path, with_dir=True),  # type: ignore[arg-type]
                **read_fields(state, Flake, entry, path, skip=INPUT_KEYS + ("dir",)),
            )
    return flakes


def _container(state: ReadState, raw: dict[str, Any], path: tuple[str, ...]) -> Container:
    table = section_table(state, Container, raw, path)
    for key in ("volumes_ro", "volumes_rw"):
        for host, target in (state.str_map(table, key, path) or {}).items():
            with state.at(path + (key, host)):
                validate_container_path(target, host, f"container.{key}")
    home = state.string(table, "home", path)
    if home is not None:
        with state.at(path + ("home",)):
            validate_home(home)
    state.env_map(state.str_map(table, "env", path) or {}, path + ("env",))
    values = read_fields(state, Container, table, path)
    with state.at(path):
        return Container(**values)


def _env(state: ReadState, table: dict[str, Any], path: tuple[str, ...]) -> dict[str, str]:
    return dict(state.env_map(state.str_table(table, path), path))


def _cmd(state: ReadState, table: dict[str, Any], section: tuple[str, ...]) -> dict[str, Command]:
    commands = {}
    for name, value in table.items():
        path = section + (name,)
        with state.at(path):
            validate_file_name(name, "cmd")
        entry = section_table(state, Command, state.table(value, path), path)
        if "run" not in entry:
            raise state.error(f'[cmd.{name}] needs run = "..." (the script to run)', path)
        slurm = read_slurm(state, entry["slurm"], path + ("slurm",)) if "slurm" in entry else None
        with state.at(path):
            commands[name] = Command(
                name=name, **read_fields(state, Command, entry, path), slurm=slurm
            )
    return commands


def _dev_shell(state: ReadState, sections: dict[str, dict[str, Any]]) -> DevShell | None:
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    names = [n for n in ("dev_shell", *aliases(Project)) if n in sections]
    for name in names:
        table = section_table(state, DevShell, sections[name], (name,))
        for key, value in table.items():
            if key in merged and merged[key] != value:
                raise state.error(
                    f"[{name}] {key} = {value!r} contradicts [{origin[key]}] {key} = "
                    f"{merged[key]!r}",
                    (name, key),
                    hint="keep one section ([dev_shell])",
                )
            merged.setdefault(key, value)
            origin.setdefault(key, name)
    if not names:
        return None
    values = {
        key: read_fields(state, DevShell, {key: value}, (origin[key],))[key]
        for key, value in merged.items()
    }
    with state.at((origin.get("shell", "dev_shell"),)):
        return DevShell(**values)


def _clone_options(state: ReadState, table: dict[str, Any], path: tuple[str, ...]) -> CloneOptions:
    return _simple(state, CloneOptions, table, path, _CLONE_OPTIONS)


# the model's sections that need more than their keys' types, by field name
_READERS: dict[str, Any] = {
    "anysnake2": _anysnake2,
    "nixpkgs": _nixpkgs,
    "outside_nixpkgs": _nixpkgs,
    "r": _r,
    "rust": _rust,
    "flakes": _flakes,
    "clone_options": _clone_options,
    "container": _container,
    "env": _env,
    "cmd": _cmd,
    "slurm": read_slurm,
}
_FROM_SEVERAL_TABLES: dict[str, Any] = {"clones": read_clones, "dev_shell": _dev_shell}
