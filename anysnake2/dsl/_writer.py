"""`to_python`: a `model.Project` as an equivalent, readable anysnake2.py.

The output is already in `ruff format` style (default settings), so a formatter never
rewrites it: a call that fits in 88 columns stays on one line; one that does not is
split one argument per line with a trailing comma (ruff's "magic trailing comma" keeps it
that way), recursively for lists and dicts. Calls come in the order of the TOML sections,
each section introduced by a `# [section]` comment.
"""

from __future__ import annotations

import dataclasses
import keyword
from typing import Any

from .. import model as m
from .._schema import dsl_keyword, dsl_method, dsl_style, is_set, keys, kind, toml_name
from .._version import __version__

__all__ = ["pep723_header", "to_python"]

LINE_LENGTH = 88
_INDENT = "    "

HEADER = '''\
{pep723}"""anysnake2 project: run `python anysnake2.py check` (or `anysnake2 check` here)."""

import sys
from os.path import dirname, realpath

if __name__ in ("__main__", "anysnake2"):
    # Run as a script (or imported as anysnake2 by a script beside it), this file stands
    # where the package should be: its folder is first on sys.path, before any editable
    # install's finder. Import the package with the folder off sys.path (and this file out
    # of sys.modules), then put the folder back first so sibling modules still import.
    _here = dirname(realpath(__file__))
    sys.path[:] = [p for p in sys.path if realpath(p or ".") != _here]
    if __name__ == "anysnake2":
        del sys.modules[__name__]
    import anysnake2  # noqa: F401

    sys.path.insert(0, _here)

from anysnake2 import Project
'''

FOOTER = """
if __name__ == "__main__":
    project.main()
"""


class _Kw:
    """A keyword argument `name=value`."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: Any) -> None:
        self.name = name
        self.value = value


Call = tuple[str, list[Any]]  # method name, arguments (values or _Kw)


# -- literals -----------------------------------------------------------------------------


def _string(text: str) -> str:
    """A string literal as ruff prints it (double quotes unless more of them inside)."""
    if "\n" in text.rstrip("\n") and _triple_ok(text):
        return '"""\\\n' + text + '"""'
    quote = "'" if text.count('"') > text.count("'") else '"'
    out = [quote]
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == quote:
            out.append("\\" + quote)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif not char.isprintable():
            out.append(repr(char)[1:-1])
        else:
            out.append(char)
    out.append(quote)
    return "".join(out)


def _triple_ok(text: str) -> bool:
    if '"""' in text or "\\" in text or text.endswith('"'):
        return False
    return all(char.isprintable() or char in "\n\t" for char in text)


def _inline(value: Any) -> str:
    if isinstance(value, _Kw):
        return f"{value.name}={_inline(value.value)}"
    if isinstance(value, (bool, int)) or value is None:
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_string(k)}: {_inline(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot print {value!r}")  # pragma: no cover - a bug in this module


def _fits(line: str) -> bool:
    return "\n" not in line and len(line) <= LINE_LENGTH


def _item(indent: str, lead: str, value: Any, trailing: str) -> list[str]:
    """`lead value trailing` at `indent`, split when too long."""
    if isinstance(value, _Kw):
        return _item(indent, lead + value.name + "=", value.value, trailing)
    single = indent + lead + _inline(value) + trailing
    if _fits(single) or not value or not isinstance(value, (list, tuple, dict)):
        return single.split("\n")
    inner = indent + _INDENT
    lines = [indent + lead + ("[" if isinstance(value, (list, tuple)) else "{")]
    if isinstance(value, dict):
        for key, item in value.items():
            lines += _item(inner, _string(key) + ": ", item, ",")
    else:
        for item in value:
            lines += _item(inner, "", item, ",")
    lines.append(indent + ("]" if isinstance(value, (list, tuple)) else "}") + trailing)
    return lines


def _call(indent: str, head: str, args: list[Any]) -> list[str]:
    single = indent + head + "(" + ", ".join(_inline(a) for a in args) + ")"
    if _fits(single) or not args:
        return single.split("\n")
    lines = [indent + head + "("]
    for arg in args:
        lines += _item(indent + _INDENT, "", arg, ",")
    lines.append(indent + ")")
    return lines


# -- the project as calls -----------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A model value as the literal the DSL takes."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, m.FrozenMap):
        return {k: _plain(v) for k, v in value.sorted_items()}
    if isinstance(value, m.Source):
        return value.to_url()
    if dataclasses.is_dataclass(value):  # a nested section: `slurm={...}` of `cmd(...)`
        return {dsl_keyword(f): _plain(getattr(value, f.name)) for f in _set_keys(value)}
    return value


def _set_keys(obj: Any) -> list[Any]:
    return [f for f in keys(type(obj)) if is_set(f, getattr(obj, f.name))]


def _args(obj: Any, *lead: Any) -> list[Any]:
    """The arguments of `obj`'s call: `lead`, its positional keys while they are set, then
    its other set keys as keywords (in field order); keys written by calls of their own
    left out."""
    args: list[Any] = list(lead)
    fields = [f for f in keys(type(obj)) if dsl_style(f) != "call"]
    positional = [f for f in fields if dsl_style(f) == "positional"]
    for f in positional:
        if not is_set(f, getattr(obj, f.name)):
            break
        args.append(_plain(getattr(obj, f.name)))
        fields.remove(f)
    for f in fields:
        value = getattr(obj, f.name)
        if is_set(f, value):
            args.append(_Kw(dsl_keyword(f), _plain(value)))
    return args


def _mapping_args(mapping: m.FrozenMap) -> list[Any]:
    """Keyword arguments when every name allows it, else one dict argument."""
    items = mapping.sorted_items()
    if all(k.isidentifier() and not keyword.iskeyword(k) for k, _ in items):
        return [_Kw(k, v) for k, v in items]
    return [dict(items)]


def _is_simple(package: m.PythonPackage) -> bool:
    return (
        package == m.PythonPackage(package.name, package.version)
        and ":" not in package.version
        and not package.version.startswith("pypi")
    )


def _own_calls(section: Any) -> list[Call]:
    """The calls that write a section's `dsl="call"` keys: packages and volumes."""
    calls: list[Call] = []
    if isinstance(section, m.Python):
        packages = section.packages.sorted_items()
        simple = {name: p.version for name, p in packages if _is_simple(p)}
        if simple:
            calls.append(("python_packages", [simple]))
        calls += [("python_package", _args(p, name)) for name, p in packages if not _is_simple(p)]
    if isinstance(section, m.Container):
        calls += [("volume", [h, t, _Kw("ro", True)]) for h, t in section.volumes_ro.sorted_items()]
        calls += [("volume", [h, t]) for h, t in section.volumes_rw.sorted_items()]
    return calls


def _section_calls(f: Any, value: Any) -> list[Call]:
    """The calls that write one section of the project."""
    method = dsl_method(f)
    if not isinstance(value, m.FrozenMap):
        args = _args(value)
        # a section that is None when absent is written even when empty (`.nixpkgs()`)
        head = [(method, args)] if args or f.default is None else []
        return head + _own_calls(value)
    if kind(f) == "str_map":  # [env]
        return [(method, _mapping_args(value))]
    return [
        (method, [name, *_mapping_args(item)])
        if isinstance(item, m.FrozenMap)
        else (method, _args(item, name))
        for name, item in value.sorted_items()
    ]


def _section_order() -> list[Any]:
    """The project's sections in the order the calls are written: the model's, with
    clone_options before clones (where the DSL's documentation has it)."""
    order = list(keys(m.Project))
    names = [f.name for f in order]
    order.insert(names.index("clones"), order.pop(names.index("clone_options")))
    return order


def _sections(project: m.Project) -> list[tuple[str, list[Call]]]:
    """(title, calls) of every section the project sets, titled by its TOML name."""
    sections = []
    for f in _section_order():
        value = getattr(project, f.name)
        calls = _section_calls(f, value) if is_set(f, value) else []
        if calls:
            sections.append((toml_name(f) or "helper inputs", calls))
    return sections


def pep723_header(project: m.Project) -> str:
    """The PEP 723 block: anysnake2 pinned to the project's version (else the running one),
    and `[tool.uv]` index-url / find-links when `[anysnake2]` names where it comes from.

    >>> print(pep723_header(m.Project(m.AnysnakeSettings("0.1.0", find_links="wheels/"))))
    # /// script
    # dependencies = ["anysnake2==0.1.0"]
    #
    # [tool.uv]
    # find-links = ["wheels/"]
    # ///
    <BLANKLINE>
    """
    from ..toml_compat.strings import basic_string

    settings = project.anysnake2
    lines = [f"dependencies = [{basic_string('anysnake2==' + (settings.version or __version__))}]"]
    uv = []
    if settings.index_url:
        uv.append(f"index-url = {basic_string(settings.index_url)}")
    if settings.find_links:
        uv.append(f"find-links = [{basic_string(settings.find_links)}]")
    if uv:
        lines += ["", "[tool.uv]", *uv]
    body = "".join(f"# {line}\n" if line else "#\n" for line in lines)
    return f"# /// script\n{body}# ///\n"


_TITLES = {
    "devShell": "dev_shell",
    "devshell": "dev_shell",
    "clone_regexps": "clones",
    **dict.fromkeys(
        ("uv2nix", "pyproject-nix", "build-system-pkgs", "flake-utils", "flake-util"),
        "helper inputs",
    ),
}


def _comment_lines(indent: str, lines: list[str]) -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in lines]


def _by_title(
    comments: dict[str, list[str]], titles: list[str]
) -> tuple[list[str], dict[str, list[str]]]:
    """(preamble, title → comments): TOML section comments placed at the writer's sections;
    those of a section the project does not write join the preamble, named."""
    preamble = list(comments.get("", []))
    placed: dict[str, list[str]] = {}
    for name, lines in comments.items():
        if not name:
            continue
        title = _TITLES.get(name, name)
        if title in titles:
            placed.setdefault(title, []).extend(lines)
        else:
            preamble += ["", f"[{name}]", *lines]
    return preamble, placed


def to_python(project: m.Project, comments: dict[str, list[str]] | None = None) -> str:
    """An anysnake2.py that builds exactly `project` (ruff-formatted, with PEP 723 header).

    The header pins the version of `[anysnake2] version` when the project has one, else
    the running version. `comments` (from `toml_compat.comments.section_comments`) keep a
    TOML file's explanations: each section's at its calls, the file's before the project.

    >>> print(to_python(m.Project(rust=m.Rust("1.80"))).splitlines()[-4])
    project = Project().rust("1.80")
    """
    sections = _sections(project)
    preamble, placed = _by_title(comments or {}, [title for title, _ in sections])
    calls = [call for _, group in sections for call in group]
    one_line = "project = Project()" + "".join(
        "".join(_call("", "." + name, args)) for name, args in calls
    )
    if placed:
        body = []
    elif len(calls) <= 1 and not _fits(one_line) and calls:
        name, args = calls[0]
        body = _call("", "project = Project()." + name, args)
    elif _fits(one_line):
        body = [one_line]
    if placed or (not _fits(one_line) and len(calls) > 1):
        body = ["project = (", _INDENT + "Project()"]
        for title, group in sections:
            body.append(f"{_INDENT}# [{title}]")
            body += _comment_lines(_INDENT, placed.get(title, []))
            for name, args in group:
                body += _call(_INDENT, "." + name, args)
        body.append(")")
    head = _comment_lines("", preamble) + [""] if preamble else []
    return (
        HEADER.format(pep723=pep723_header(project)) + "\n" + "\n".join(head + body) + "\n" + FOOTER
    )
