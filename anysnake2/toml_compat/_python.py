"""`[python]` and `[python.packages]`: both eras' package forms onto model.PythonPackage."""

from __future__ import annotations

from typing import Any

from .._schema import known_keys, toml_names
from .._util.names import normalize_name as pep503
from .._values import validate_clone_dir
from ..errors import ConfigError
from ..model import (
    Python,
    PythonPackage,
    normalize_version_spec,
    validate_date,
    validate_python_version,
)
from ..sources import Source, parse_source
from ._base import ReadState, dotted
from ._fields import read_fields

__all__ = ["read_python"]

# mach-nix Nix code of 1.x, refused with a hint
_MKPYTHON = ("additional_mkpython_arguments_func", "additional_mkpython_arguments")
PYTHON_KEYS = known_keys(Python) + _MKPYTHON
TABLE_KEYS = toml_names(PythonPackage)
_FETCH_COMMON = ("method", "hash", "sha256", "overrides", "override_attrs", "build_systems")
_FETCH_COMMON += ("editable", "patch_before_lock")
_FETCH_KEYS = {
    "fetchFromGitHub": ("owner", "repo", "rev", "branchName"),
    "fetchgit": ("url", "rev", "branchName"),
    "fetchGit": ("url", "rev", "branchName"),
    "fetchhg": ("url", "rev"),
    "fetchPypi": ("version", "pname"),
    "fetchurl": ("url",),
}
_NO_NIX_CODE_HINT = (
    "dependencies come from the package's own metadata (uv resolves them); build tweaks go "
    "into override_attrs (Nix attributes, e.g. override_attrs.postPatch = '...') and "
    'build_systems = ["setuptools"]'
)


def read_python(state: ReadState, table: dict[str, Any], uv2nix: bool | None) -> Python:
    """Build the model's Python from `[python]` (+ the 2.x `[uv2nix] prefer_wheels`)."""
    path = ("python",)
    state.check_keys(table, path, PYTHON_KEYS)
    for key in _MKPYTHON:
        if key in table:
            raise state.error(
                f"python.{key} carried mach-nix Nix code, which has no meaning here",
                path + (key,),
                hint="remove it; " + _NO_NIX_CODE_HINT,
            )
    version = state.string(table, "version", path)
    if version is None:
        raise state.error('[python] needs version = "3.x"', path, hint='e.g. version = "3.12"')
    with state.at(path + ("version",)):
        validate_python_version(version)
    date = state.date(table, "ecosystem_date", path)
    if date is not None:
        with state.at(path + ("ecosystem_date",)):
            validate_date(date, "python.ecosystem_date")
    values = read_fields(state, Python, table, path)
    values["prefer_wheels"] = _prefer_wheels(state, table, values.get("prefer_wheels"), uv2nix)
    values["packages"] = _packages(state, table, path)
    state.env_map(values.get("uv_lock_env", {}), path + ("uv_lock_env",))
    with state.at(path):
        return Python(**values)


def _prefer_wheels(
    state: ReadState, table: dict[str, Any], wheels: bool | None, uv2nix: bool | None
) -> bool | None:
    """`prefer_wheels`, agreeing with 2.x's `preferWheels` and `[uv2nix] prefer_wheels`."""
    path = ("python",)
    for other_path, other in (
        (path + ("preferWheels",), state.boolean(table, "preferWheels", path)),
        (("uv2nix", "prefer_wheels"), uv2nix),
    ):
        if other is None:
            continue
        if wheels is not None and wheels != other:
            raise state.error(
                f"{dotted(other_path)} = {str(other).lower()} contradicts "
                f"python.prefer_wheels = {str(wheels).lower()}",
                other_path,
                hint="keep one of them (python.prefer_wheels)",
            )
        wheels = other
    return wheels


def _packages(
    state: ReadState, table: dict[str, Any], path: tuple[str, ...]
) -> dict[str, PythonPackage]:
    """`[python.packages]`: each entry in either era's form; one entry per PEP 503 name."""
    packages_table = state.table(table.get("packages", {}), path + ("packages",))
    packages: dict[str, PythonPackage] = {}
    seen: dict[str, str] = {}
    for name, value in packages_table.items():
        pkg_path = path + ("packages", name)
        normal = pep503(name)
        if normal in seen:
            raise state.error(
                f"python.packages: '{name}' and '{seen[normal]}' are the same package "
                "(names compare case-, '-', '_' and '.'-insensitively)",
                pkg_path,
                hint="keep one entry",
            )
        seen[normal] = name
        packages[name] = _read_package(state, name, value, pkg_path)
    return packages


def _version_text(
    state: ReadState, text: str, path: tuple[str, ...], *, urls: bool
) -> tuple[str, bool, Source | None]:
    """(version spec, pypi, source) of a string entry or a table's `version`."""
    stripped = text.strip()
    with state.at(path):
        if stripped == "pypi" or stripped == "pypi:":
            return "", True, None
        if stripped.startswith("pypi:"):
            spec, warning = normalize_version_spec(stripped[len("pypi:") :])
            if warning:
                state.warn(warning, path)
            return spec, True, None
        if ":" in stripped:
            if not urls:
                raise ConfigError(
                    f"{dotted(path)}: {stripped!r} looks like a URL, not a version",
                    hint='put source URLs into url = "..."',
                )
            return "", False, parse_source(stripped)
        spec, warning = normalize_version_spec(stripped)
        if warning:
            state.warn(warning, path)
        return spec, False, None


def _read_package(state: ReadState, name: str, value: Any, path: tuple[str, ...]) -> PythonPackage:
    if isinstance(value, str):
        if value.strip().startswith("editable/"):
            directory = value.strip()[len("editable/") :].strip("/")
            if not directory:
                raise state.error(f"{dotted(path)}: 'editable/' needs a folder", path)
            with state.at(path):
                return PythonPackage(name, editable=directory)
        version, pypi, source = _version_text(state, value, path, urls=True)
        with state.at(path):
            return PythonPackage(name, version=version, pypi=pypi, source=source)
    if not isinstance(value, dict):
        raise state.error(
            f"{dotted(path)} must be a version string, a URL or a table, not {value!r}", path
        )
    for key, target in (("preferWheel", "override_attrs.preferWheel"), ("buildInputs", None)):
        if key in value:
            raise state.error(
                f"{dotted(path)}: {key} is not a valid key",
                path + (key,),
                hint=f"did you mean {target or 'override_attrs.' + key}? (Nix code, e.g. "
                f'override_attrs.{key} = "old.{key} ++ [ pkgs.zlib ]")'
                if key == "buildInputs"
                else f"did you mean {target}?",
            )
    if "buildPythonPackage_arguments" in value:
        raise state.error(
            f"{dotted(path)}.buildPythonPackage_arguments carried mach-nix Nix code, which has "
            "no meaning here",
            path + ("buildPythonPackage_arguments",),
            hint="remove it; " + _NO_NIX_CODE_HINT,
        )
    if "method" in value:
        fields = _fetch_table(state, name, value, path)
    else:
        fields = _table(state, value, path)
    with state.at(path):
        return PythonPackage(name, **fields)


def _common(state: ReadState, value: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "editable" in value:
        editable = value["editable"]
        if editable is True:
            fields["editable"] = "code"
        elif isinstance(editable, str) and editable.strip("/"):
            fields["editable"] = editable.strip("/")
            with state.at(path + ("editable",)):
                validate_clone_dir(fields["editable"], f"{dotted(path)}.editable")
        elif editable is not False:
            raise state.error(
                f"{dotted(path)}.editable must be true, false or a folder name, not {editable!r}",
                path + ("editable",),
            )
    fields.update(read_fields(state, PythonPackage, value, path, skip=("version", "editable")))
    return fields


def _table(state: ReadState, value: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """A 2.x package table (and ours): url, version, editable, override_attrs, ..."""
    state.check_keys(value, path, TABLE_KEYS + ("poetry2nix",))
    if "url" in value and "version" in value:
        raise state.error(
            f"{dotted(path)}: both url and version are given, but only one is allowed",
            path + ("version",),
            hint="a URL pins the source already; drop version",
        )
    fields = _common(state, value, path)
    if "url" in value:
        url = state.string(value, "url", path) or ""
        with state.at(path + ("url",)):
            fields["source"] = parse_source(url)
    if "version" in value:
        text = state.string(value, "version", path) or ""
        version, pypi, _ = _version_text(state, text, path + ("version",), urls=False)
        fields["version"] = version
        fields["pypi"] = pypi
    if "poetry2nix" in value:
        _poetry2nix(state, value["poetry2nix"], path + ("poetry2nix",), fields)
    return fields


def _nix_string(text: str) -> str:
    """A Nix "..." string that keeps ${...} interpolation (as poetry2nix's env did)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _poetry2nix(
    state: ReadState, value: Any, path: tuple[str, ...], fields: dict[str, Any]
) -> None:
    """2.0-2.1 `poetry2nix.*` keys: env, preferWheel and nativeBuildInputs map over."""
    table = state.table(value, path)
    overrides = dict(fields.get("override_attrs") or {})

    def put(key: str, code: str, where: tuple[str, ...]) -> None:
        if key in overrides and overrides[key] != code:
            raise state.error(
                f"{dotted(where)} contradicts override_attrs.{key}", where, hint="keep one"
            )
        overrides[key] = code

    for key, item in table.items():
        where = path + (key,)
        if key == "env":
            for var, text in state.str_table(item, where).items():
                put(var, _nix_string(text), where + (var,))
        elif key == "preferWheel":
            put("preferWheel", str(state.expect(item, bool, where)).lower(), where)
        elif key == "nativeBuildInputs" and isinstance(item, list):
            systems = state.strings(table, key, path) or ()
            fields["build_systems"] = tuple(fields.get("build_systems", ())) + tuple(
                s for s in systems if s not in fields.get("build_systems", ())
            )
            state.warn(
                f"{dotted(where)} read as build_systems = {list(systems)!r} (uv2nix replaced "
                "poetry2nix)",
                where,
            )
        else:
            raise state.error(
                f"{dotted(where)} was a poetry2nix (anysnake2 2.0-2.1) setting without a "
                "clear meaning here",
                where,
                hint=f'write it as Nix code: override_attrs.{key} = "old.{key} ++ [ ... ]"; '
                "build backends go into build_systems",
            )
    if overrides:
        fields["override_attrs"] = overrides


def _fetch_table(
    state: ReadState, name: str, value: dict[str, Any], path: tuple[str, ...]
) -> dict[str, Any]:
    """A 1.x `method = ...` table (mach-nix fetchers) as a source."""
    method = _fetch_method(state, name, value, path)
    allowed = _FETCH_COMMON + _FETCH_KEYS[method]
    checked = {k: v for k, v in value.items() if not k.startswith("hash_")}
    state.check_keys(checked, path, allowed)
    hashes = [k for k in value if k.startswith("hash") or k == "sha256"]
    if hashes:
        state.warn(
            f"{dotted(path)}: {', '.join(hashes)} not needed: the flake lock verifies sources",
            path + (hashes[0],),
        )
    for key, item in value.items():
        if key.startswith("hash"):
            state.expect(item, str, path + (key,))
    if "overrides" in value:
        state.warn(
            f"{dotted(path)}.overrides has no effect: uv resolves dependencies between packages",
            path + ("overrides",),
        )
    fields = _common(state, value, path)
    if method == "fetchPypi":
        fields.update(_fetch_pypi(state, name, value, path))
    else:
        fields["source"] = _fetch_source(state, method, value, path)
    return fields


def _fetch_method(state: ReadState, name: str, value: dict[str, Any], path: tuple[str, ...]) -> str:
    """The table's `method`, when it is one we read."""
    method = state.expect(value["method"], str, path + ("method",))
    if method == "useFlake":
        raise state.error(
            f'{dotted(path)}: method = "useFlake" built the package from a flake with mach-nix '
            "Nix code, which has no meaning here",
            path + ("method",),
            hint=f'give the package\'s source instead, e.g. {name} = "git+https://..." (the '
            "flake's repository), and keep [flakes.<name>] for its other packages",
        )
    if method == "fetchPyPi":
        raise state.error(
            f"{dotted(path)}: fetchPyPi is not a valid method",
            path + ("method",),
            hint="did you mean fetchPypi?",
        )
    if method not in _FETCH_KEYS:
        raise state.error(
            f"{dotted(path)}: method {method!r} is not supported",
            path + ("method",),
            hint="use fetchFromGitHub, fetchgit, fetchhg, fetchPypi or fetchurl, or give a URL: "
            f'{name} = "git+https://..."',
        )
    return method


def _fetch_source(
    state: ReadState, method: str, value: dict[str, Any], path: tuple[str, ...]
) -> Source:
    """The source of a fetchFromGitHub, fetchgit, fetchGit, fetchhg or fetchurl table."""
    rev = state.string(value, "rev", path)
    ref = state.string(value, "branchName", path)
    if method == "fetchFromGitHub":
        missing = [k for k in ("owner", "repo") if k not in value]
        if missing:
            raise state.error(
                f"{dotted(path)}: fetchFromGitHub needs {' and '.join(missing)}", path
            )
        owner = state.string(value, "owner", path)
        repo = state.string(value, "repo", path)
        return Source("github", f"{owner}/{repo}", ref, rev)
    url = state.string(value, "url", path)
    if url is None:
        raise state.error(f"{dotted(path)}: {method} needs url", path)
    if "://" not in url:
        raise state.error(
            f"{dotted(path)}.url {url!r} is not a URL",
            path + ("url",),
            hint="e.g. https://github.com/owner/repo",
        )
    kind = {"fetchhg": "hg", "fetchurl": "url"}.get(method, "git")
    return Source(kind, url, ref, rev)  # type: ignore[arg-type]


def _fetch_pypi(
    state: ReadState, name: str, value: dict[str, Any], path: tuple[str, ...]
) -> dict[str, Any]:
    """`pypi` and `version` of a fetchPypi table."""
    pname = state.string(value, "pname", path)
    if pname is not None and pep503(pname) != pep503(name):
        raise state.error(
            f"{dotted(path)}: pname {pname!r} differs from the entry's name",
            path + ("pname",),
            hint=f"name the entry {pname} (the key is the PyPI name)",
        )
    version = state.string(value, "version", path)
    fields: dict[str, Any] = {"pypi": True}
    if version:
        with state.at(path + ("version",)):
            fields["version"], _ = normalize_version_spec(version)
    return fields
