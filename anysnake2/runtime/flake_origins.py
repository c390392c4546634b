"""Which config entry produced which lines of the generated flake.nix (a source map).

Computed after printing, from the flake's text and the project: the renderer's layout is
one item per line in `rootfsPackages`, one `name = ...;` binding per let-entry, one
override per Python package. A nix error at `flake.nix:N` is then reported as
`from [nixpkgs] packages "nonexistent" (anysnake2.toml:4)` with nix's own message.
A line that no entry claims maps to nothing (nix's message alone is shown).
"""

from __future__ import annotations

import re
from pathlib import Path

from .._util.names import normalize_name
from ..model import Project
from ..render.nix import is_attr_path

__all__ = ["Origin", "describe_error", "source_map"]

_BINDING = re.compile(r"^      ([A-Za-z_][\w'-]*) =")
_OVERRIDE = re.compile(r"^          ([A-Za-z_][\w'-]*) = prev\.")
_INPUT = re.compile(r"^    ([A-Za-z_][\w'-]*) = \{")
_NIX_LINE = re.compile(r"flake\.nix:(\d+)(?::\d+)?")
_FAILED_BUILDER = re.compile(r"builder for '/nix/store/[0-9a-z]{32}-([^']+?)\.drv' failed")
_SECTION_OF_BINDING = {
    "workspace": ("[python]", ("python",)),
    "pythonOverlay": ("[python]", ("python",)),
    "pythonSet": ("[python] version", ("python", "version")),
    "pythonEnv": ("[python] packages", ("python", "packages")),
    "jupyterKernels": ("[python] packages", ("python", "packages")),
    "R_tracked": ("[R]", ("R",)),
    "rust": ("[rust]", ("rust",)),
    "pkgs": ("[nixpkgs]", ("nixpkgs",)),
}


class Origin:
    """A config entry: `label` for messages, `path` of TOML keys, `needle` for .py files."""

    __slots__ = ("label", "needle", "path")

    def __init__(self, label: str, path: tuple[str, ...], needle: str = "") -> None:
        self.label = label
        self.path = path
        self.needle = needle

    def __repr__(self) -> str:
        return f"Origin({self.label!r})"


def _package_origins(project: Project) -> dict[str, Origin]:
    """Rendered package expression -> its entry (nixpkgs packages, flakes)."""
    found: dict[str, Origin] = {}
    if project.nixpkgs is not None:
        for code in project.nixpkgs.packages or ():
            code = code.strip()
            rendered = "pkgs." + code if is_attr_path(code) else f"(with pkgs; ({code}))"
            found[rendered] = Origin(
                f"[nixpkgs] packages {code!r}", ("nixpkgs", "packages"), f'"{code}"'
            )
    for name, _ in project.flakes.sorted_items():
        found[f"inputs.{name}."] = Origin(f"[flakes.{name}] packages", ("flakes", name))
    return found


def _python_names(project: Project) -> dict[str, str]:
    if project.python is None:
        return {}
    return {normalize_name(n): n for n in project.python.packages}


def source_map(project: Project, text: str) -> dict[int, Origin]:
    """1-based line of flake.nix -> the config entry that produced it."""
    packages = _package_origins(project)
    python = _python_names(project)
    result: dict[int, Origin] = {}
    binding = None
    in_let = False
    for number, line in enumerate(text.split("\n"), start=1):
        match = _BINDING.match(line) if in_let else None
        if line.rstrip() == "    let":
            in_let = True
        elif match:
            binding = match.group(1)
        elif line.rstrip() == "    in":
            binding = None
            in_let = False
        origin = _line_origin(project, line, binding, packages, python)
        if origin is not None:
            result[number] = origin
    return result


def _line_origin(
    project: Project,
    line: str,
    binding: str | None,
    packages: dict[str, Origin],
    python: dict[str, str],
) -> Origin | None:
    stripped = line.strip()
    if binding is None:
        match = _INPUT.match(line)
        if match and match.group(1) in project.flakes:
            return Origin(f"[flakes.{match.group(1)}]", ("flakes", match.group(1)))
        if match and match.group(1) == "nixpkgs":
            return Origin("[nixpkgs] url", ("nixpkgs", "url"))
        if stripped.startswith("packages = [") and project.dev_shell is not None:
            return Origin("[dev_shell] inputs", ("dev_shell", "inputs"))
        return None
    if binding in ("rootfsPackages",):
        for rendered, origin in packages.items():
            if stripped == rendered or (rendered.endswith(".") and stripped.startswith(rendered)):
                return origin
        return None
    if binding == "overlays" and stripped not in ("overlays = [", "];"):
        return _overlay_origin(project, stripped)
    if binding == "pythonOverrides":
        match = _OVERRIDE.match(line)
        name = python.get(match.group(1)) if match else None
        if name is not None:
            return Origin(f"[python.packages] {name}", ("python", "packages", name), f'"{name}"')
        return Origin("[python.packages]", ("python", "packages"))
    known = _SECTION_OF_BINDING.get(binding)
    return Origin(known[0], known[1]) if known else None


def _overlay_origin(project: Project, stripped: str) -> Origin:
    """The user's overlay, rust-overlay's, or the uv-bin overlay [python] brings along."""
    overlay = project.nixpkgs.overlay if project.nixpkgs is not None else None
    if overlay and stripped in {line.strip() for line in f"({overlay.strip()})".splitlines()}:
        return Origin("[nixpkgs] overlay", ("nixpkgs", "overlay"))
    if "rust-overlay" in stripped:
        return Origin("[rust]", ("rust",))
    if project.python is not None and any(
        word in stripped for word in ("uv-bin", "uv2nix", "trivial.release", "optionalAttrs")
    ):
        return Origin("[python]", ("python",))
    return Origin("[nixpkgs] overlay", ("nixpkgs", "overlay"))


def _config_line(origin: Origin, config: Path) -> int | None:
    from .._config_text import read_config
    from ..errors import ConfigError

    try:
        text = read_config(config)
    except (OSError, ConfigError):
        return None
    if config.suffix == ".toml":
        from ..toml_compat.lines import LineFinder

        return LineFinder(text).line(*origin.path)
    needle = origin.needle or origin.path[-1]
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    return None


def describe_error(log: str, flake_nix: Path, project: Project, config: Path) -> str | None:
    """`from <entry> (<config>:<line>): <nix's error>`: the entry behind the first line of
    flake.nix that `log` names, or else the package whose builder failed."""
    try:
        text = flake_nix.read_text(encoding="utf-8")
    except OSError:
        return None
    mapping = source_map(project, text)
    origins = [mapping.get(int(m.group(1))) for m in _NIX_LINE.finditer(log)]
    origins += [_built_by(project, m.group(1)) for m in _FAILED_BUILDER.finditer(log)]
    for origin in origins:
        if origin is None:
            continue
        line = _config_line(origin, config)
        where = f"{config.name}:{line}" if line is not None else config.name
        return f"from {origin.label} ({where}):\n" + _nix_message(log)
    return None


def _built_by(project: Project, derivation: str) -> Origin | None:
    """The entry whose package a derivation `name-1.2` builds (Python or nixpkgs)."""
    parts = derivation.split("-")
    cut = next((i for i, part in enumerate(parts) if i and part[:1].isdigit()), len(parts))
    pname = "-".join(parts[:cut])
    python = _python_names(project).get(normalize_name(pname))
    if python is not None:
        path = ("python", "packages", python)
        return Origin(f"[python.packages] {python}", path, f'"{python}"')
    for code in (project.nixpkgs.packages or ()) if project.nixpkgs is not None else ():
        if code.strip().rsplit(".", 1)[-1] == pname:
            return Origin(
                f"[nixpkgs] packages {code.strip()!r}", ("nixpkgs", "packages"), f'"{code}"'
            )
    return None


def _nix_message(log: str) -> str:
    """nix's `error: ...` lines (without the trace), indented."""
    lines = [line for line in log.splitlines() if line.startswith("error:")]
    return "\n".join("  | " + line for line in (lines or log.strip().splitlines()[-5:]))
