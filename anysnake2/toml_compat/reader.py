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

from .._values import (
    validate_anysnake2_version,
    validate_clone_dir,
    validate_clone_name,
    validate_clone_url,
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
from ._base import Era, ReadState, dotted
from ._inputs import read_input_fields
from ._python import read_python
from ._slurm import read_slurm
from .clone_regexps import compile_regexps, detect_flavour, expand_url

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
SECTIONS = (
    "anysnake2",
    "nixpkgs",
    "outside_nixpkgs",
    "python",
    "R",
    "rust",
    "flakes",
    "clones",
    "clone_regexps",
    "clone_options",
    "container",
    "env",
    "cmd",
    "dev_shell",
    "devShell",
    "devshell",
    "slurm",
    *HELPER_SECTIONS,
    *IGNORED_SECTIONS,
)
_TWO_X_SECTIONS = ("ancient_poetry", "uv2nix_override_collection", "pyproject_build_systems")
_TWO_X_SECTIONS += ("poetry2nix",)
NIXPKGS_KEYS = ("url", "rev", "ref", "packages", "allow_unfree")
NIXPKGS_KEYS += ("permitted_insecure_packages", "overlay")
ANYSNAKE2_KEYS = ("version", "index_url", "find_links", "do_not_modify_flake", "dtach")
ANYSNAKE2_KEYS += ("rev", "url", "url2", "use_binary")
R_KEYS = ("packages", "date", "ecosystem_tag", "url", "rev", "ref", "override_attrs")
R_KEYS += ("dependency_overrides", "additional_packages", "use_inside_nix_pkgs")
R_ALIASES = {"nixr_url": "url", "r_ecosystem_track_url": "url", "nixr_tag": "rev"}
RUST_ALIASES = {"rust_overlay_url": "url", "rust_overlay_rev": "rev"}
FLAKE_KEYS = ("url", "rev", "ref", "dir", "follows", "packages")
CONTAINER_KEYS = ("home", "volumes_ro", "volumes_rw", "env", "runtime", "dtach", "detach")
CONTAINER_KEYS += ("gpu",)
CMD_KEYS = ("run", "pre_run_outside", "while_run_outside", "pre_run_inside")
CMD_KEYS += ("post_run_inside", "post_run_outside", "slurm")
INPUT_KEYS = ("url", "rev", "ref")


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


def _aliased(
    state: ReadState, table: dict[str, Any], path: tuple[str, ...], aliases: dict[str, str]
) -> dict[str, Any]:
    """`table` with old spellings moved to their key; the same value twice merges."""
    merged = {k: v for k, v in table.items() if k not in aliases}
    for alias, key in aliases.items():
        if alias not in table:
            continue
        if key in merged and merged[key] != table[alias]:
            raise state.error(
                f"{dotted(path)}: {alias} = {table[alias]!r} and {key} = {merged[key]!r} "
                "say the same thing differently",
                path + (alias,),
                hint=f"keep one ({key})",
            )
        merged[key] = table[alias]
    return merged


def _read(state: ReadState, data: dict[str, Any]) -> Project:
    state.check_keys(data, (), SECTIONS)
    sections = {name: state.table(value, (name,)) for name, value in data.items()}
    fields: dict[str, Any] = {}
    for name, why in IGNORED_SECTIONS.items():
        if name in sections:
            state.warn(f"[{name}] has no effect here: {why}", (name,))
    if "anysnake2" in sections:
        fields["anysnake2"] = _anysnake2(state, sections["anysnake2"])
    for name in ("nixpkgs", "outside_nixpkgs"):
        if name in sections:
            fields[name] = _nixpkgs(state, sections[name], (name,))
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
    fields["inputs"] = inputs
    if "python" in sections:
        fields["python"] = read_python(state, sections["python"], prefer_wheels)
    elif prefer_wheels is not None:
        state.warn("uv2nix.prefer_wheels has no effect without [python]", ("uv2nix",))
    if "R" in sections:
        fields["r"] = _r(state, sections["R"])
    if "rust" in sections:
        fields["rust"] = _rust(state, sections["rust"])
    if "flakes" in sections:
        fields["flakes"] = _flakes(state, sections["flakes"])
    fields["clones"] = _clones(state, sections)
    if "clone_options" in sections:
        table = sections["clone_options"]
        state.check_keys(table, ("clone_options",), ("jujutsu", "clone_regexps", "regex"))
        with state.at(("clone_options",)):
            fields["clone_options"] = CloneOptions(
                jujutsu=state.boolean(table, "jujutsu", ("clone_options",))
            )
    if "container" in sections:
        fields["container"] = _container(state, sections["container"])
    if "env" in sections:
        fields["env"] = state.env_map(state.str_table(sections["env"], ("env",)), ("env",))
    if "cmd" in sections:
        fields["cmd"] = _commands(state, sections["cmd"])
    dev_shell = _dev_shell(state, sections)
    if dev_shell is not None:
        fields["dev_shell"] = dev_shell
    if "slurm" in sections:
        fields["slurm"] = read_slurm(state, sections["slurm"], ("slurm",))
    with state.at(()):
        return Project(**fields)


def _anysnake2(state: ReadState, table: dict[str, Any]) -> AnysnakeSettings:
    path = ("anysnake2",)
    state.check_keys(table, path, ANYSNAKE2_KEYS)
    values: dict[str, Any] = {}
    for key in ANYSNAKE2_KEYS:
        if key in ("do_not_modify_flake", "dtach", "use_binary"):
            values[key] = state.boolean(table, key, path)
        else:
            values[key] = state.string(table, key, path)
    pins = [k for k in ("rev", "url2") if values[k] not in (None, "dev")]
    if pins:
        state.warn(
            f"[anysnake2] {' and '.join(pins)} pin the original (Rust) anysnake2; this "
            "implementation runs instead",
            path + (pins[0],),
        )
    if values["version"] is not None:
        with state.at(path + ("version",)):
            validate_anysnake2_version(values["version"])
    with state.at(path):
        return AnysnakeSettings(**values)


def _nixpkgs(state: ReadState, table: dict[str, Any], path: tuple[str, ...]) -> Nixpkgs:
    state.check_keys(table, path, NIXPKGS_KEYS)
    with state.at(path):
        return Nixpkgs(
            **read_input_fields(state, table, path),
            packages=state.strings(table, "packages", path),
            allow_unfree=state.boolean(table, "allow_unfree", path),
            permitted_insecure_packages=state.strings(table, "permitted_insecure_packages", path)
            or (),
            overlay=state.string(table, "overlay", path),
        )


def _r(state: ReadState, raw: dict[str, Any]) -> R:
    path = ("R",)
    state.check_keys(raw, path, R_KEYS + tuple(R_ALIASES))
    table = _aliased(state, raw, path, R_ALIASES)
    date = state.date(table, "date", path)
    if date is not None:
        with state.at(path + ("date",)):
            validate_date(date, "R.date")
    additional = state.str_map(table, "additional_packages", path) or {}
    for key in additional:
        if "_" not in key:
            raise state.error(
                f"R.additional_packages: the key {key!r} must be name_version (e.g. 'foo_1.0')",
                path + ("additional_packages", key),
            )
    with state.at(path):
        return R(
            packages=state.strings(table, "packages", path) or (),
            date=date,
            ecosystem_tag=state.string(table, "ecosystem_tag", path),
            **read_input_fields(state, table, path),
            override_attrs=state.str_map(table, "override_attrs", path) or {},
            dependency_overrides=state.str_map(table, "dependency_overrides", path) or {},
            additional_packages=additional,
            use_inside_nix_pkgs=state.boolean(table, "use_inside_nix_pkgs", path),
        )


def _rust(state: ReadState, raw: dict[str, Any]) -> Rust:
    path = ("rust",)
    state.check_keys(raw, path, ("version",) + INPUT_KEYS + tuple(RUST_ALIASES))
    table = _aliased(state, raw, path, RUST_ALIASES)
    version = state.string(table, "version", path)
    if version is not None:
        with state.at(path + ("version",)):
            validate_rust_version(version)
    with state.at(path):
        return Rust(
            version=state.string(table, "version", path), **read_input_fields(state, table, path)
        )


def _flakes(state: ReadState, table: dict[str, Any]) -> dict[str, Flake]:
    flakes = {}
    for name, value in table.items():
        path = ("flakes", name)
        entry = state.table(value, path)
        state.check_keys(entry, path, FLAKE_KEYS)
        if "url" not in entry:
            raise state.error(
                f"[flakes.{name}] needs a url", path, hint='e.g. url = "github:owner/repo"'
            )
        with state.at(path):
            flakes[name] = Flake(
                name=name,
                **read_input_fields(state, entry, path, with_dir=True),  # type: ignore[arg-type]
                follows=state.strings(entry, "follows", path) or (),
                packages=state.strings(entry, "packages", path),
            )
    return flakes


def _clones(state: ReadState, sections: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    tables: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    if "clone_regexps" in sections:
        tables.append((("clone_regexps",), sections["clone_regexps"]))
    options = sections.get("clone_options", {})
    for key in ("clone_regexps", "regex"):
        if key in options:
            tables.append(
                (("clone_options", key), state.table(options[key], ("clone_options", key)))
            )
    merged: dict[str, Any] = {}
    for path, table in tables:
        for pattern, replacement in table.items():
            if pattern in merged and merged[pattern] != replacement:
                raise state.error(
                    f"clone regexp {pattern!r} is given twice with different replacements",
                    path + (pattern,),
                )
            merged[pattern] = replacement
    default = (
        "2.x"
        if state.era == "2.x" or len(tables) > 1 or tables and tables[0][0][0] == "clone_options"
        else "1.x"
    )
    first = tables[0][0] if tables else ("clone_regexps",)
    with state.at(first):
        strings = [v for v in merged.values() if isinstance(v, str)]
        flavour = detect_flavour(strings, default)  # type: ignore[arg-type]
        rules = compile_regexps(merged, flavour)
    clones: dict[str, dict[str, str]] = {}
    for directory, value in sections.get("clones", {}).items():
        entries = state.table(value, ("clones", directory))
        with state.at(("clones", directory)):
            validate_clone_dir(directory)
        expanded = {}
        for name, url in entries.items():
            path = ("clones", directory, name)
            with state.at(path):
                validate_clone_name(name, f"clones.{directory}")
            state.expect(url, str, path)
            try:
                after = expand_url(name, url, rules, flavour)
            except ConfigError as error:
                raise state.error(
                    f"clones.{directory}.{name} = {url!r}: {error.message}", path, hint=error.hint
                ) from None
            changed = f" (expanded from {url!r} by the clone regexps)" if after != url else ""
            try:
                validate_clone_url(after, f"clones.{directory}.{name}")
            except ConfigError as error:
                raise state.error(error.message + changed, path, hint=error.hint) from None
            expanded[name] = after
        clones[directory] = expanded
    return clones


def _container(state: ReadState, raw: dict[str, Any]) -> Container:
    path = ("container",)
    state.check_keys(raw, path, CONTAINER_KEYS)
    table = _aliased(state, raw, path, {"detach": "dtach"})
    for key in ("volumes_ro", "volumes_rw"):
        for host, target in (state.str_map(table, key, path) or {}).items():
            with state.at(path + (key, host)):
                validate_container_path(target, host, f"container.{key}")
    home = state.string(table, "home", path)
    if home is not None:
        with state.at(path + ("home",)):
            validate_home(home)
    state.env_map(state.str_map(table, "env", path) or {}, path + ("env",))
    with state.at(path):
        return Container(
            home=home,
            volumes_ro=state.str_map(table, "volumes_ro", path) or {},
            volumes_rw=state.str_map(table, "volumes_rw", path) or {},
            env=state.str_map(table, "env", path) or {},
            runtime=state.string(table, "runtime", path),  # type: ignore[arg-type]
            dtach=state.boolean(table, "dtach", path),
            gpu=state.boolean(table, "gpu", path),
        )


def _commands(state: ReadState, table: dict[str, Any]) -> dict[str, Command]:
    commands = {}
    for name, value in table.items():
        path = ("cmd", name)
        with state.at(path):
            validate_file_name(name, "cmd")
        entry = state.table(value, path)
        state.check_keys(entry, path, CMD_KEYS)
        if "run" not in entry:
            raise state.error(f'[cmd.{name}] needs run = "..." (the script to run)', path)
        slurm = read_slurm(state, entry["slurm"], path + ("slurm",)) if "slurm" in entry else None
        with state.at(path):
            commands[name] = Command(
                name=name,
                **{key: state.string(entry, key, path) for key in entry if key != "slurm"},
                slurm=slurm,
            )
    return commands


def _dev_shell(state: ReadState, sections: dict[str, dict[str, Any]]) -> DevShell | None:
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    found = False
    for name in ("dev_shell", "devShell", "devshell"):
        if name not in sections:
            continue
        found = True
        table = sections[name]
        state.check_keys(table, (name,), ("shell", "inputs"))
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
    if not found:
        return None
    path = (origin.get("shell", "dev_shell"),)
    with state.at(path):
        return DevShell(
            shell=state.string(merged, "shell", (origin.get("shell", "dev_shell"),)),
            inputs=state.strings(merged, "inputs", (origin.get("inputs", "dev_shell"),)) or (),
        )
