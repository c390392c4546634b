"""Pinning anysnake2 itself: restart into the version a project pins (issue #12).

The pin is read without loading the project (a wrong version must not import the user's
anysnake2.py): the `[anysnake2]` table of anysnake2.toml, or the PEP 723 header of an
anysnake2.py (`dependencies = ["anysnake2==X"]`, `[tool.uv] index-url / find-links`).

Where the pinned version comes from must be explicit: the name `anysnake2` on a default
index could belong to anyone. Sources, in this order: a flake (`[anysnake2] url` with a full
revision, run with `nix shell`), else index/find-links locations (ANYSNAKE2_INDEX_URL and
ANYSNAKE2_FIND_LINKS, comma-separated, override the config). Without one the pin is not
honoured: a warning says how to configure a source, and the running version goes on.

The restarted child gets ANYSNAKE2_VERSION_SWITCHED=<X>: it never switches again.

When a differing pin is not honoured, a marker file in `.anysnake2_flake/` keeps the warm
path (`_fast`) from starting an environment built by the wrong version without asking again.
"""

from __future__ import annotations

import os
import re
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from typing import Any

    from .cli import Context

from .version_restart import (
    nix_shell_argv,
    refuse_offline,
    restart_argv,
    run_switched,
    uv_argv,
)

__all__ = [
    "NOT_HONOURED_MARKER",
    "SWITCHED_ENV",
    "Pin",
    "maybe_switch",
    "nix_shell_argv",
    "read_pin",
    "record_running_version",
    "restart_argv",
    "uv_argv",
]

SWITCHED_ENV = "ANYSNAKE2_VERSION_SWITCHED"
_SAVED_PYTHONPATH_ENV = "ANYSNAKE2_SAVED_PYTHONPATH"
INDEX_URL_ENV = "ANYSNAKE2_INDEX_URL"
FIND_LINKS_ENV = "ANYSNAKE2_FIND_LINKS"
# Relative to the project root; `_fast` checks it with one stat.
NOT_HONOURED_MARKER = os.path.join(".anysnake2_flake", "version_pin_not_honoured")

# Commands that never restart (they read the config or print, and run no other program) ...
NO_SWITCH_COMMANDS = frozenset({"check", "completion", "config", "convert", "help", "version"})
# ... and those that read but do not build, run or lock: no version is recorded for them.
NO_RECORD_COMMANDS = frozenset(
    {"attach", "check", "completion", "config", "convert", "help", "version"}
)

_FULL_REV = re.compile(r"^[0-9a-f]{40}$")
_PEP723 = re.compile(r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$")


class Pin:
    """What a config says about the anysnake2 it wants (all optional).

    `version`: the pinned version (`dev` = never switch); `index_url`, `find_links`: uv
    sources; `flake`: a flake reference with a full revision; `problem`: why a pin that is
    there cannot be used (a warning), `where`: the file (and line) it came from.
    """

    __slots__ = ("find_links", "flake", "index_url", "problem", "version", "where")

    def __init__(
        self,
        *,
        version: str | None = None,
        index_url: str | None = None,
        find_links: tuple[str, ...] = (),
        flake: str | None = None,
        problem: str | None = None,
        where: str = "",
    ) -> None:
        self.version = version
        self.index_url = index_url
        self.find_links = find_links
        self.flake = flake
        self.problem = problem
        self.where = where

    def has_source(self) -> bool:
        """True when the pinned version can be fetched from an explicit place."""
        return bool(self.flake or self.index_url or self.find_links)

    def __repr__(self) -> str:
        return (
            f"Pin(version={self.version!r}, index_url={self.index_url!r}, "
            f"find_links={self.find_links!r}, flake={self.flake!r}, problem={self.problem!r})"
        )


# -- reading the pin ------------------------------------------------------------------------


def _location(root: Path, value: str) -> str:
    """A find-links entry: URLs as they are, paths relative to the project root made absolute."""
    if "://" in value or os.path.isabs(value):
        return value
    return str(root / value)


def _env_sources(pin: Pin, root: Path, environ: Mapping[str, str]) -> None:
    index_url = environ.get(INDEX_URL_ENV, "").strip()
    if index_url:
        pin.index_url = index_url
    find_links = [v.strip() for v in environ.get(FIND_LINKS_ENV, "").split(",") if v.strip()]
    if find_links:
        pin.find_links = tuple(_location(root, v) for v in find_links)


def _key_line(text: str, key: str) -> int | None:
    """The line of `key = ` inside the `[anysnake2]` table (for messages)."""
    inside = False
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = re.match(r"^\[\s*anysnake2\s*\]", stripped) is not None
        elif inside and re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number
    return None


def _anysnake2_section(text: str) -> str:
    """Only the `[anysnake2]` table's lines (for a file whose other parts do not parse)."""
    lines: list[str] = []
    inside = False
    for line in text.split("\n"):
        if line.strip().startswith("["):
            inside = re.match(r"^\[\s*anysnake2\s*\]", line.strip()) is not None
        if inside:
            lines.append(line)
    return "\n".join(lines) + "\n"


def _toml_table(path: Path, text: str) -> dict[str, Any]:
    from . import _toml as tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # A syntax error elsewhere is the loader's to report; the pin may still be readable.
        try:
            data = tomllib.loads(_anysnake2_section(text))
        except tomllib.TOMLDecodeError:
            return {}
    table = data.get("anysnake2")
    return table if isinstance(table, dict) else {}


def _read_toml(path: Path) -> Pin:
    from ._config_text import read_config
    from .errors import ConfigError

    text = read_config(path)
    table = _toml_table(path, text)
    values: dict[str, str | None] = {}
    for key in ("version", "index_url", "find_links", "url", "rev"):
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            line = _key_line(text, key)
            raise ConfigError(
                f"[anysnake2] {key} must be a string, not {type(value).__name__}",
                file=str(path),
                line=line,
                hint=f'write it in quotes, e.g. {key} = "{value}"',
            )
        if value is not None and "\x00" in value:
            raise ConfigError(
                f"[anysnake2] {key} contains a NUL character",
                file=str(path),
                line=_key_line(text, key),
            )
        values[key] = value
    line = _key_line(text, "version")
    if values["version"] is not None:
        from ._values import validate_anysnake2_version

        try:
            validate_anysnake2_version(values["version"])
        except ConfigError as error:
            raise error.with_location(file=str(path), line=line) from None
    pin = Pin(
        version=values["version"],
        index_url=values["index_url"],
        find_links=(_location(path.parent, values["find_links"]),) if values["find_links"] else (),
        where=f"{path}:{line}" if line else str(path),
    )
    url, rev = values["url"], values["rev"]
    if pin.version and url:
        if "?rev=" in url or "&rev=" in url:
            pin.flake = url
        elif rev and _FULL_REV.match(rev):
            pin.flake = f"{url}?rev={rev}"
        else:
            pin.problem = (
                f"[anysnake2] url = {url!r} is not a pinned flake: it needs rev = a full "
                "40-character commit (or ?rev= in the url)"
            )
    return pin


def _pep723_block(text: str) -> str | None:
    for match in _PEP723.finditer(text):
        if match.group("type") == "script":
            return "".join(
                line[2:] if line.startswith("# ") else line[1:]
                for line in match.group("content").splitlines(keepends=True)
            )
    return None


def _read_script(path: Path) -> Pin:
    from . import _toml as tomllib
    from ._config_text import read_config
    from .errors import ConfigError

    block = _pep723_block(read_config(path))
    pin = Pin(where=str(path))
    if block is None:
        _recorded_script_version(path, pin)
        return pin
    try:
        meta = tomllib.loads(block)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"the '# /// script' header of {path} is not valid TOML: {error}",
            file=str(path),
            hint="each line between '# /// script' and '# ///' is '# ' followed by TOML",
        ) from None
    from packaging.requirements import InvalidRequirement, Requirement

    for entry in meta.get("dependencies", []) or []:
        try:
            requirement = Requirement(str(entry))
        except InvalidRequirement:
            continue
        if requirement.name.lower().replace("_", "-") != "anysnake2":
            continue
        specs = list(requirement.specifier)
        if not specs:
            break
        if len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version:
            pin.version = specs[0].version
        else:
            pin.problem = (
                f"the script header pins {entry!r}; only an exact 'anysnake2==X' is switched to"
            )
        break
    uv = (meta.get("tool") or {}).get("uv") or {}
    if isinstance(uv.get("index-url"), str):
        pin.index_url = uv["index-url"]
    links = uv.get("find-links")
    if isinstance(links, str):
        links = [links]
    if isinstance(links, list):
        pin.find_links = tuple(_location(path.parent, str(v)) for v in links)
    if pin.version is None and pin.problem is None:
        _recorded_script_version(path, pin)
    return pin


def _recorded_script_version(path: Path, pin: Pin) -> None:
    """A header without a pin: the version recorded in anysnake2.lock.toml, if any."""
    from .resolve.lockfile import lockfile_path, read_lockfile

    recorded = read_lockfile(lockfile_path(path)).get("anysnake2", {}).get("version")
    if isinstance(recorded, str):
        pin.version = recorded
        pin.where = str(lockfile_path(path))


def read_pin(config: Path, environ: Mapping[str, str] | None = None) -> Pin:
    """The pin of `config` (anysnake2.toml or anysnake2.py) plus the environment's sources."""
    pin = _read_script(config) if config.suffix == ".py" else _read_toml(config)
    _env_sources(pin, config.parent, os.environ if environ is None else environ)
    return pin


# -- the hook -------------------------------------------------------------------------------


def _set_marker(root: Path, pin: Pin | None, running: str) -> None:
    """Mark (or unmark) that the pin differs from the version that builds here."""
    path = root / NOT_HONOURED_MARKER
    if pin is None:
        if path.exists():
            path.unlink()
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"pinned {pin.version}, running {running}\n", encoding="utf-8")
    except OSError:
        pass  # a read-only project: the warm path then may run without asking


def _no_source_message(pin: Pin, running: str) -> str:
    return (
        f"the project pins anysnake2 {pin.version} ({pin.where}), but no source for it is "
        f"configured, so anysnake2 {running} runs instead. anysnake2 never fetches itself "
        'from a default index. Configure one: [anysnake2] find_links = "<folder of wheels>" '
        'or index_url = "<index>", ANYSNAKE2_FIND_LINKS / ANYSNAKE2_INDEX_URL, or '
        '[anysnake2] url = "<flake>" with rev = "<40-character commit>"'
    )


def maybe_switch(ctx: Context, rest: Sequence[str], argv: Sequence[str]) -> int | None:
    """Restart into the pinned version when needed: the child's exit status, or None to go on.

    `rest` is the command line after the global options (rest[0] the command), `argv` the
    whole command line given to the child unchanged.
    """
    from pathlib import Path

    from . import _log
    from ._version import __version__
    from .errors import AnysnakeError

    command = rest[0] if rest else "default"
    _log.debug(f"this is anysnake2 {__version__}")
    switched_to = os.environ.pop(SWITCHED_ENV, None)  # not for our own grandchildren
    saved_pythonpath = os.environ.pop(_SAVED_PYTHONPATH_ENV, None)
    if saved_pythonpath is not None:
        os.environ["PYTHONPATH"] = saved_pythonpath
    if command in NO_SWITCH_COMMANDS:
        return None
    try:
        config = ctx.config_path
    except AnysnakeError:
        return None  # no config: the command itself says so, or needs none (version)
    pin = read_pin(config)
    root = config.parent
    if command not in NO_RECORD_COMMANDS and pin.version is None and pin.problem is None:
        record_running_version(config, locked=ctx.locked)
    if pin.version is None and pin.problem is None:
        _set_marker(root, None, __version__)
        return None
    if pin.version == "dev":
        _log.debug("[anysnake2] version = 'dev': no version switch")
        _set_marker(root, None, __version__)
        return None
    if pin.version == __version__:
        if switched_to is not None:
            _log.debug(f"restarted as anysnake2 {__version__}, as pinned")
        _set_marker(root, None, __version__)
        return None
    if switched_to is not None:
        _log.warn(
            f"restarted to run anysnake2 {switched_to}, but this is anysnake2 {__version__} "
            f"(and the project pins {pin.version}); not switching again"
        )
        _set_marker(root, pin, __version__)
        return None
    if pin.problem is not None and pin.version is None:
        _log.warn(f"{pin.problem}; anysnake2 {__version__} runs instead")
        _set_marker(root, pin, __version__)
        return None
    if ctx.no_version_switch:
        _log.note(f"not switching to anysnake2 {pin.version}: --no-version-switch")
        _set_marker(root, pin, __version__)
        return None
    if pin.problem is not None and not (pin.index_url or pin.find_links):
        _log.warn(pin.problem)
    if not pin.has_source():
        _log.warn(_no_source_message(pin, __version__))
        _set_marker(root, pin, __version__)
        return None
    if ctx.offline:
        refuse_offline(pin)
    args = list(argv)
    if ctx.config_arg is None and Path.cwd() != root:
        args = ["-c", str(config), *args]  # an anysnake2.py started from elsewhere
    restart = restart_argv(pin, args)
    _log.note(f"restarting with anysnake2 {pin.version} (this is {__version__})")
    env = dict(os.environ)
    env[SWITCHED_ENV] = pin.version
    # PYTHONPATH would let the child import another anysnake2 than the pinned one; the
    # child puts it back for what it starts (the container, hooks).
    if "PYTHONPATH" in env:
        env[_SAVED_PYTHONPATH_ENV] = env.pop("PYTHONPATH")
    sys.stdout.flush()
    probe = restart_argv(pin, ["version"])
    return run_switched(pin, restart, env, offline=ctx.offline, probe=probe)


# -- recording ------------------------------------------------------------------------------


def record_running_version(config: Path, *, locked: bool) -> bool:
    """Write `version = "<running>"` into `[anysnake2]` of an unpinned anysnake2.toml.

    Comments and layout are kept (tomlkit); the table is created before the first table
    when missing. anysnake2.py files are not touched. With `locked` only a warning.
    True when the file was changed.
    """
    from . import _log
    from ._version import __version__

    if locked:
        _log.warn(
            f"{config} pins no anysnake2 version (--locked: not recording {__version__}); "
            f'add [anysnake2] version = "{__version__}"'
        )
        return False
    if config.suffix == ".py":  # the user's code is never rewritten: the lock file beside it
        from .resolve.lockfile import lockfile_path, write_lockfile

        try:
            write_lockfile(lockfile_path(config), version=__version__)
        except OSError as error:
            _log.warn(f"could not record the anysnake2 version beside {config} ({error.strerror})")
            return False
        _log.note(f'recorded anysnake2 version "{__version__}" in {lockfile_path(config)}')
        return True
    import tomlkit
    from tomlkit.exceptions import ParseError
    from tomlkit.items import AoT, Table

    from .resolve.record import read_config_text, write_config_text

    path, text, crlf = read_config_text(config)
    try:
        doc = tomlkit.parse(text)
    except ParseError:
        return False  # the loader reports the syntax error with its line
    existing = doc.get("anysnake2")
    if isinstance(existing, Table):
        if "version" in existing:
            return False  # recorded meanwhile by an anysnake2 started at the same time
        existing.add("version", __version__)
    elif existing is None:
        table = tomlkit.table()
        table.add("version", __version__)
        first = next(
            (i for i, (_, item) in enumerate(doc.body) if isinstance(item, (Table, AoT))), None
        )
        if first is None:
            doc.add("anysnake2", table)
        else:
            table.add(tomlkit.nl())
            doc._insert_at(first, "anysnake2", table)  # tomlkit has no public insert
    else:
        return False  # not a table: the loader reports that
    # Atomically: a second anysnake2 started at the same moment must never read half a file.
    try:
        write_config_text(path, tomlkit.dumps(doc), crlf)
    except OSError as error:
        _log.warn(
            f"could not record the anysnake2 version in {config} ({error.strerror}); "
            f'add [anysnake2] version = "{__version__}" yourself'
        )
        return False
    _log.note(f'recorded [anysnake2] version = "{__version__}" in {config}')
    return True
