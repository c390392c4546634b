"""Reading the anysnake2 version a project pins, and where it may come from (issue #12).

Without loading the project (a wrong version must not import the user's anysnake2.py): the
`[anysnake2]` table of anysnake2.toml, or the PEP 723 header of an anysnake2.py
(`dependencies = ["anysnake2==X"]`, `[tool.uv] index-url / find-links`), or the version
recorded in anysnake2.lock.toml beside it. A version that is not one (PEP 440 or `dev`),
a NUL or a wrong type is a ConfigError at its line, before anything is restarted.
"""

from __future__ import annotations

import os
import re

from ._util.names import is_full_rev

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

__all__ = ["FIND_LINKS_ENV", "INDEX_URL_ENV", "Pin", "read_pin"]

INDEX_URL_ENV = "ANYSNAKE2_INDEX_URL"
FIND_LINKS_ENV = "ANYSNAKE2_FIND_LINKS"


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
        elif is_full_rev(rev):
            pin.flake = f"{url}?rev={rev}"
        else:
            pin.problem = (
                f"[anysnake2] url = {url!r} is not a pinned flake: it needs rev = a full "
                "40-character commit (or ?rev= in the url)"
            )
    return pin


def _read_script(path: Path) -> Pin:
    from . import _toml as tomllib
    from ._config_text import read_config
    from ._util.pep723 import anysnake2_requirement, script_block
    from .errors import ConfigError

    block = script_block(read_config(path))
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
    found = anysnake2_requirement(meta)
    if found is not None and found[1].specifier:
        entry, requirement = found
        specs = list(requirement.specifier)
        if len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version:
            pin.version = specs[0].version
        else:
            pin.problem = (
                f"the script header pins {entry!r}; only an exact 'anysnake2==X' is switched to"
            )
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
