"""A small Nix value printer: strings escaped right, attribute names quoted, keys sorted.

Config strings are data and always go through `quote`/`indented`; Nix code that the config
documents as code (package expressions, overlays, override_attrs) is wrapped in `RawNix`
and passed through unchanged.

Escape tables (checked by round trips through `nix-instantiate --eval`):

- `"..."`: `\\` → `\\\\`, `"` → `\\"`, `${` → `\\${`, newline/CR/tab → `\\n`/`\\r`/`\\t`.
- `''...''`: `''` → `'''`, `${` → `''${`, CR → `''\\r`, tab → `''\\t` (a literal tab would
  be kept, but `''\\t` keeps the text visible and out of the indentation rules); a space
  that starts a line, and a trailing `'` before the closing `''`, are escaped with `''\\`
  so that neither indentation stripping nor the closing delimiter can eat them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "RawNix",
    "attr_name",
    "attr_path",
    "indented",
    "is_attr_path",
    "paren",
    "quote",
    "render",
    "string",
]

KEYWORDS = frozenset(("assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with"))
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_'-]*$")
# an attribute path such as  rust-bin.nightly."2020-01-01".default
_PATH_PART = r'(?:[A-Za-z_][A-Za-z0-9_\'-]*|"[^"\\$]*")'
_ATTR_PATH = re.compile(rf"^{_PATH_PART}(?:\.{_PATH_PART})*$")
_INDENT = "  "


@dataclass(frozen=True)
class RawNix:
    """Nix code inserted verbatim (only for fields the config documents as Nix code)."""

    code: str

    def __str__(self) -> str:
        return self.code


_DQ_TABLE = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def quote(text: str) -> str:
    """`text` as a double-quoted Nix string literal."""
    return '"' + text.translate(_DQ_TABLE).replace("${", "\\${") + '"'


def indented(text: str, indent: int = 0) -> str:
    """`text` as a multi-line `''...''` Nix string whose lines are indented `indent` levels.

    The literal starts with `''` and a newline; the closing `''` follows the last line (or
    stands on its own line when `text` ends with a newline).
    """
    prefix = _INDENT * (indent + 1)
    core = text if text.endswith("\n") else text.rstrip("'")
    lines = [_escape_ind_line(line) for line in core.split("\n")]
    out = [prefix + line if line else "" for line in lines]
    tail_quotes = len(text) - len(core)
    if tail_quotes:
        # a quote right before the closing '' would merge with it
        out[-1] = (out[-1] or prefix) + "''\\'" * tail_quotes
    elif out[-1] == "":
        out[-1] = _INDENT * indent
    return "''\n" + "\n".join(out) + "''"


_IND_ESCAPES = {"${": "''${", "\r": "''\\r", "\t": "''\\t"}
_IND_TOKEN = re.compile(r"''|\$\{|\r|\t|'|[^'$\r\t]+|\$")


def _escape_ind_line(line: str) -> str:
    """One line of an indented string, escaped (see the module docstring)."""
    tokens: list[str] = []
    for match in _IND_TOKEN.finditer(line):
        token = match.group()
        if token == "''":
            tokens.append("'''")
            continue
        escaped = _IND_ESCAPES.get(token)
        if escaped is None:
            if not tokens and token.startswith(" "):
                # a leading space is content, not indentation (and keeps blank lines)
                escaped = "''\\ " + token[1:]
            else:
                escaped = token
        if escaped.startswith("''") and tokens and tokens[-1] == "'":
            tokens[-1] = "''\\'"  # a lone ' would merge with the escape's ''
        tokens.append(escaped)
    return "".join(tokens)


def string(text: str, indent: int = 0) -> str:
    """A Nix string literal: `"..."` for one line, `''...''` for several."""
    if "\n" in text.rstrip("\n") or text.count("\n") > 1:
        return indented(text, indent)
    return quote(text)


def attr_name(name: str) -> str:
    """An attribute name: bare when it is an identifier, else quoted."""
    if _IDENT.match(name) and name not in KEYWORDS:
        return name
    return quote(name)


def attr_path(*names: str) -> str:
    """`a.b."c d"` from its parts."""
    return ".".join(attr_name(n) for n in names)


def is_attr_path(code: str) -> bool:
    """True when `code` is a plain attribute path (`fish`, `rust-bin.nightly."x".default`)."""
    return bool(_ATTR_PATH.match(code)) and code.split(".", 1)[0] not in KEYWORDS


def closed(code: str) -> str:
    """User code followed by a newline when it may end in a `#` comment (which would
    swallow the closing parenthesis put after it)."""
    return code + "\n" if "#" in code else code


def paren(code: str) -> RawNix:
    """User Nix code in parentheses (so it stays one term in a list or application)."""
    stripped = code.strip()
    if _IDENT.match(stripped) or is_attr_path(stripped):
        return RawNix(stripped)
    return RawNix("(" + closed(stripped) + ")")


def _key(key: object) -> str:
    return key.code if isinstance(key, RawNix) else attr_name(str(key))


def render(value: object, indent: int = 0) -> str:
    """Print a Python value as Nix.

    str → string literal, bool → true/false, None → null, int/float → number, RawNix →
    verbatim, list/tuple → list, Mapping → attrset with sorted keys (a RawNix key is an attribute path, verbatim). Nested values are
    indented two spaces per level.
    """
    if isinstance(value, RawNix):
        return value.code
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return string(value, indent)
    if isinstance(value, Mapping):
        if not value:
            return "{ }"
        inner = _INDENT * (indent + 1)
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        lines = [f"{inner}{_key(k)} = {render(v, indent + 1)};" for k, v in items]
        return "{\n" + "\n".join(lines) + "\n" + _INDENT * indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[ ]"
        parts = [render(v, indent + 1) for v in value]
        if all("\n" not in p for p in parts) and sum(len(p) + 1 for p in parts) < 72:
            return "[ " + " ".join(parts) + " ]"
        inner = _INDENT * (indent + 1)
        return "[\n" + "\n".join(inner + p for p in parts) + "\n" + _INDENT * indent + "]"
    raise TypeError(f"cannot print {type(value).__name__} as Nix")
