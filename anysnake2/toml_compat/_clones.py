"""`[clones.<dir>]` and the clone regexps that expand their URLs (either era's tables)."""

from __future__ import annotations

from typing import Any

from .._values import validate_clone_dir, validate_clone_name, validate_clone_url
from ..errors import ConfigError
from ._base import ReadState
from .clone_regexps import compile_regexps, detect_flavour, expand_url

__all__ = ["read_clones"]


def read_clones(state: ReadState, sections: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """`[clones.*]` with every URL expanded by the clone regexps and checked."""
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
