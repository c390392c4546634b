"""Clone URL rewriting with `[clone_regexps]` (both flavours of the original).

- **1.x** (`\\N` in the replacement): every regexp is anchored (`^regexp$`) and *all* are
  applied in order, each seeing the URL the previous ones produced; `\\0` is the clone's
  name, `\\1`... the groups.
- **2.x** (`$N` / `${N}` / `$name` in the replacement): regexps are unanchored, the first
  one that matches wins and replaces every match; `$$` is a literal `$`.

The flavour is read from the replacements' syntax; a table without any group reference
takes the flavour of the file's era. A replacement that names a group its regexp lacks is
an error only when that regexp matches a URL (unused rules stay harmless, as they were).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ..errors import ConfigError

__all__ = ["CloneRegexp", "Flavour", "compile_regexps", "detect_flavour", "expand_url"]

Flavour = Literal["1.x", "2.x"]

_V1_REF = re.compile(r"\\(\d+)")
_V2_REF = re.compile(r"\$(?:(\$)|\{([^}]*)\}|([A-Za-z0-9_]+))")


@dataclass(frozen=True)
class CloneRegexp:
    """One compiled rule: `pattern` (as written), `replacement`, the compiled regexp."""

    pattern: str
    replacement: str
    regex: re.Pattern[str]


def detect_flavour(replacements: Sequence[str], default: Flavour) -> Flavour:
    """The flavour the replacements are written in (`default` when they show none)."""
    v1 = any(_V1_REF.search(r) for r in replacements)
    v2 = any(not m.group(1) for r in replacements for m in _V2_REF.finditer(r))
    if v1 and v2:
        raise ConfigError(
            "clone_regexps mix the 1.x group syntax (\\1) and the 2.x syntax ($1)",
            hint="write all replacements of one table in one syntax",
        )
    if v1:
        return "1.x"
    if v2:
        return "2.x"
    return default


def compile_regexps(table: Mapping[str, object], flavour: Flavour) -> list[CloneRegexp]:
    """Compile the rules of one table in file order; ConfigError for a bad regexp/type."""
    rules = []
    for pattern, replacement in table.items():
        if not isinstance(replacement, str):
            raise ConfigError(
                f"clone_regexps: the replacement for {pattern!r} must be a string, "
                f"not {type(replacement).__name__}"
            )
        source = f"^(?:{pattern})$" if flavour == "1.x" else pattern
        try:
            regex = re.compile(source)
        except re.error as error:
            raise ConfigError(
                f"clone_regexps: {pattern!r} is not a valid regular expression ({error})"
            ) from None
        rules.append(CloneRegexp(pattern, replacement, regex))
    return rules


def _missing_group(rule: CloneRegexp, group: str) -> ConfigError:
    return ConfigError(
        f"clone_regexps: the replacement {rule.replacement!r} uses group {group}, but "
        f"{rule.pattern!r} has only {rule.regex.groups} group(s)",
        hint="fix the group number in the replacement, or add the group to the regexp",
    )


def _v1_substitute(rule: CloneRegexp, match: re.Match[str], name: str) -> str:
    def group(ref: re.Match[str]) -> str:
        number = int(ref.group(1))
        if number == 0:
            return name
        if number > rule.regex.groups:
            raise _missing_group(rule, f"\\{number}")
        return match.group(number) or ""

    return _V1_REF.sub(group, rule.replacement)


def _v2_substitute(rule: CloneRegexp, match: re.Match[str]) -> str:
    def group(ref: re.Match[str]) -> str:
        if ref.group(1):
            return "$"
        key = ref.group(2) if ref.group(2) is not None else ref.group(3)
        if key.isdigit():
            number = int(key)
            if number > rule.regex.groups:
                raise _missing_group(rule, f"${key}")
            return match.group(number) or ""
        if key not in rule.regex.groupindex:
            raise _missing_group(rule, f"${{{key}}}")
        return match.group(key) or ""

    return _V2_REF.sub(group, rule.replacement)


def expand_url(name: str, url: str, rules: Sequence[CloneRegexp], flavour: Flavour) -> str:
    """The clone URL after the rules (unchanged when none matches)."""
    if flavour == "1.x":
        for rule in rules:
            match = rule.regex.match(url)
            if match:
                url = _v1_substitute(rule, match, name)
        return url
    for rule in rules:
        if rule.regex.search(url):
            return rule.regex.sub(lambda m, r=rule: _v2_substitute(r, m), url)
    return url
