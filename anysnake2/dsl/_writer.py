"""`to_python`: a `model.Project` as an equivalent, readable anysnake2.py.

The output is already in `ruff format` style (default settings), so a formatter never
rewrites it: a call that fits in 88 columns stays on one line; one that does not is
split one argument per line with a trailing comma (ruff's "magic trailing comma" keeps it
that way), recursively for lists and dicts. Calls come in the order of the TOML sections,
each section introduced by a `# [section]` comment.
"""

from __future__ import annotations

import keyword
from typing import Any

from .. import model as m
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


def _kwargs(obj: Any, names: tuple[str, ...], skip_empty: bool = True) -> list[_Kw]:
    out = []
    for name in names:
        value = getattr(obj, name)
        if value is None or (skip_empty and isinstance(value, (tuple, m.FrozenMap)) and not value):
            continue
        out.append(_Kw(name, _plain(value)))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, m.FrozenMap):
        return {k: _plain(v) for k, v in value.sorted_items()}
    return value


def _mapping_args(mapping: m.FrozenMap) -> list[Any]:
    """Keyword arguments when every name allows it, else one dict argument."""
    items = mapping.sorted_items()
    if all(k.isidentifier() and not keyword.iskeyword(k) for k, _ in items):
        return [_Kw(k, v) for k, v in items]
    return [dict(items)]


def _nixpkgs(name: str, section: m.Nixpkgs) -> Call:
    args: list[Any] = [section.rev] if section.rev is not None else []
    args += _kwargs(section, ("url", "ref"))
    if section.packages is not None:
        args.append(_Kw("packages", list(section.packages)))
    args += _kwargs(section, ("allow_unfree", "permitted_insecure_packages", "overlay"))
    return name, args


def _is_simple(package: m.PythonPackage) -> bool:
    return (
        package == m.PythonPackage(package.name, package.version)
        and ":" not in package.version
        and not package.version.startswith("pypi")
    )


def _package(package: m.PythonPackage) -> Call:
    args: list[Any] = [package.name]
    if package.version:
        args.append(package.version)
    if package.pypi:
        args.append(_Kw("pypi", True))
    if package.source is not None:
        args.append(_Kw("url", package.source.to_url()))
    args += _kwargs(package, ("editable", "override_attrs", "build_systems", "patch_before_lock"))
    return "python_package", args


def _slurm_kw(slurm: m.Slurm | None) -> list[_Kw]:
    """`slurm={...}` of a `cmd(...)` call (none when the command has no slurm table)."""
    if slurm is None:
        return []
    return [_Kw("slurm", {k: _plain(v) for k, v in slurm.values().items()})]


def _sections(project: m.Project) -> list[tuple[str, list[Call]]]:
    sections: list[tuple[str, list[Call]]] = []

    def add(title: str, *calls: Call) -> None:
        if calls:
            sections.append((title, list(calls)))

    settings = project.anysnake2
    if settings != m.AnysnakeSettings():
        args: list[Any] = [settings.version] if settings.version is not None else []
        args += _kwargs(
            settings,
            ("index_url", "find_links", "rev", "url", "url2", "use_binary")
            + ("do_not_modify_flake", "dtach"),
        )
        add("anysnake2", ("anysnake2", args))
    if project.nixpkgs is not None:
        add("nixpkgs", _nixpkgs("nixpkgs", project.nixpkgs))
    if project.outside_nixpkgs is not None:
        add("outside_nixpkgs", _nixpkgs("outside_nixpkgs", project.outside_nixpkgs))
    if project.inputs:
        add(
            "helper inputs",
            *(
                (
                    "input",
                    [name, *([i.url] if i.url is not None else []), *_kwargs(i, ("rev", "ref"))],
                )
                for name, i in project.inputs.sorted_items()
            ),
        )
    python = project.python
    if python is not None:
        calls: list[Call] = [
            (
                "python",
                [
                    python.version,
                    *_kwargs(python, ("ecosystem_date", "uv_lock_env", "prefer_wheels")),
                ],
            )
        ]
        packages = python.packages.sorted_items()
        simple = {name: p.version for name, p in packages if _is_simple(p)}
        if simple:
            calls.append(("python_packages", [simple]))
        calls += [_package(p) for _, p in packages if not _is_simple(p)]
        add("python", *calls)
    if project.r is not None:
        r = project.r
        args = [list(r.packages)] if r.packages else []
        args += _kwargs(
            r,
            ("date", "ecosystem_tag", "url", "rev", "ref", "override_attrs")
            + ("dependency_overrides", "additional_packages", "use_inside_nix_pkgs"),
        )
        add("R", ("r", args))
    if project.rust is not None:
        rust = project.rust
        args = [rust.version] if rust.version is not None else []
        add("rust", ("rust", args + _kwargs(rust, ("url", "rev", "ref"))))
    add(
        "flakes",
        *(
            (
                "flake",
                [name, flake.url, *_kwargs(flake, ("rev", "ref", "dir", "follows"))]
                + ([] if flake.packages is None else [_Kw("packages", list(flake.packages))]),
            )
            for name, flake in project.flakes.sorted_items()
        ),
    )
    if project.clone_options != m.CloneOptions():
        add("clone_options", ("clone_options", _kwargs(project.clone_options, ("jujutsu",))))
    add(
        "clones",
        *(
            ("clone", [folder, *_mapping_args(urls)])
            for folder, urls in project.clones.sorted_items()
        ),
    )
    container = project.container
    calls = []
    if (
        container.home is not None
        or container.runtime is not None
        or container.dtach is not None
        or container.env
        or container.gpu is not None
    ):
        calls.append(("container", _kwargs(container, ("home", "runtime", "dtach", "env", "gpu"))))
    for host, target in container.volumes_ro.sorted_items():
        calls.append(("volume", [host, target, _Kw("ro", True)]))
    for host, target in container.volumes_rw.sorted_items():
        calls.append(("volume", [host, target]))
    add("container", *calls)
    if project.env:
        add("env", ("env", _mapping_args(project.env)))
    hooks = ("pre_run_outside", "while_run_outside", "pre_run_inside")
    hooks += ("post_run_inside", "post_run_outside")
    add(
        "cmd",
        *(
            ("cmd", [name, command.run, *_kwargs(command, hooks), *_slurm_kw(command.slurm)])
            for name, command in project.cmd.sorted_items()
        ),
    )
    if project.dev_shell is not None:
        add("dev_shell", ("dev_shell", _kwargs(project.dev_shell, ("shell", "inputs"))))
    if project.slurm is not None:
        add("slurm", ("slurm", [_Kw(k, _plain(v)) for k, v in project.slurm.values().items()]))
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
