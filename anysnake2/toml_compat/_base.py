"""Shared state of one TOML read: file name, line finder, era, warnings, typed getters."""

from __future__ import annotations

import datetime as _dt
import difflib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

from ..errors import ConfigError
from .lines import LineFinder

__all__ = ["Era", "ReadState"]

Era = Literal["1.x", "2.x"]

_TYPE_NAMES = {
    str: "a string",
    bool: "true or false",
    list: "a list",
    dict: "a table",
    int: "a whole number",
    float: "a number",
}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"{type(value).__name__} {value!r}"


def dotted(path: Iterable[str]) -> str:
    """`a.b."c d"` for messages."""
    parts = []
    for part in path:
        bare = part.replace("-", "").replace("_", "").isalnum() and part.isascii()
        parts.append(part if bare else f'"{part}"')
    return ".".join(parts)


class ReadState:
    """What every section reader needs; collects warnings in file order."""

    def __init__(self, text: str, file: str, era: Era = "1.x") -> None:
        self.file = file
        self.finder = LineFinder(text)
        self.era: Era = era
        self.warnings: list[str] = []

    # -- locations and messages -------------------------------------------------------
    def line(self, path: Iterable[str]) -> int | None:
        """Line of `path` (or its nearest known parent)."""
        return self.finder.line(*path)

    def error(self, message: str, path: Iterable[str], *, hint: str | None = None) -> ConfigError:
        """A ConfigError located at `path`."""
        return ConfigError(message, hint=hint, file=self.file, line=self.line(tuple(path)))

    def warn(self, message: str, path: Iterable[str]) -> None:
        """Record a warning, prefixed with file:line."""
        line = self.line(tuple(path))
        where = f"{self.file}:{line}" if line else self.file
        self.warnings.append(f"{where}: {message}")

    def env_map(self, mapping: Mapping[str, str], path: tuple[str, ...]) -> Mapping[str, str]:
        """`mapping` of environment variables, each name and value checked at its line."""
        from .._values import validate_env_name, validate_env_value

        what = ".".join(path)
        for key, value in mapping.items():
            with self.at(path + (key,)):
                validate_env_name(key, what)
                validate_env_value(key, value, what)
        return mapping

    @contextmanager
    def at(self, path: Iterable[str]) -> Iterator[None]:
        """Give ConfigErrors raised inside (e.g. by the model) this file and line."""
        try:
            yield
        except ConfigError as error:
            raise error.with_location(file=self.file, line=self.line(tuple(path))) from None

    # -- structure ----------------------------------------------------------------------
    def check_keys(
        self, table: Mapping[str, Any], path: tuple[str, ...], allowed: Iterable[str]
    ) -> None:
        """65 with a did-you-mean for the first key of `table` not in `allowed`."""
        known = list(allowed)
        for key in table:
            if key not in known:
                where = f"[{dotted(path)}]" if path else "the top level"
                close = [k for k in known if k.lower() == key.lower()] or (
                    difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                )
                hint = f"did you mean '{close[0]}'?" if close else None
                if hint is None and known:
                    hint = "known keys here: " + ", ".join(sorted(known))
                raise self.error(f"unknown key '{key}' in {where}", path + (key,), hint=hint)

    def expect(self, value: Any, kind: type, path: tuple[str, ...]) -> Any:
        """`value` if it is of `kind` (bool is not an int), else a located 65."""
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            raise self.error(
                f"{dotted(path)} must be {_TYPE_NAMES.get(kind, kind.__name__)}, "
                f"not {_describe(value)}",
                path,
            )
        return value

    def table(self, value: Any, path: tuple[str, ...]) -> dict[str, Any]:
        """A table (dict) or a located 65."""
        return self.expect(value, dict, path)

    def string(self, table: Mapping[str, Any], key: str, path: tuple[str, ...]) -> str | None:
        """`table[key]` as a string, None when absent."""
        if key not in table:
            return None
        return self.expect(table[key], str, path + (key,))

    def date(self, table: Mapping[str, Any], key: str, path: tuple[str, ...]) -> str | None:
        """A date given as "YYYY-MM-DD" or as a TOML date; None when absent."""
        value = table.get(key)
        if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            return value.isoformat()
        return self.string(table, key, path)

    def boolean(self, table: Mapping[str, Any], key: str, path: tuple[str, ...]) -> bool | None:
        """`table[key]` as a bool, None when absent."""
        if key not in table:
            return None
        return self.expect(table[key], bool, path + (key,))

    def strings(
        self, table: Mapping[str, Any], key: str, path: tuple[str, ...]
    ) -> tuple[str, ...] | None:
        """`table[key]` as a list of strings, None when absent."""
        if key not in table:
            return None
        value = self.expect(table[key], list, path + (key,))
        for item in value:
            if not isinstance(item, str):
                raise self.error(
                    f"{dotted(path + (key,))} must be a list of strings; found {_describe(item)}",
                    path + (key,),
                )
        return tuple(value)

    def str_map(
        self, table: Mapping[str, Any], key: str, path: tuple[str, ...]
    ) -> dict[str, str] | None:
        """`table[key]` as a table of strings, None when absent."""
        if key not in table:
            return None
        return self.str_table(table[key], path + (key,))

    def str_table(self, value: Any, path: tuple[str, ...]) -> dict[str, str]:
        """A table whose values are all strings."""
        mapping = self.table(value, path)
        for name, item in mapping.items():
            self.expect(item, str, path + (name,))
        return dict(mapping)
