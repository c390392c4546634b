"""Nix code from the config, parse-checked before anything is rendered (issue 21).

Package expressions, `overlay`, `override_attrs`, R's `dependency_overrides` and
`additional_packages` are the user's own Nix code. Each is checked by `nix-instantiate
--parse` wrapped exactly as the renderer embeds it, in a scope like the flake's (so an
undefined variable is found too), all fragments in one batched call; only when the batch
fails are they checked one by one to name the first bad one at its config line (65).
Plain attribute paths (`fish`, `python3Packages.numpy`) are never code and need no check.
The rendered flake.nix itself is parse-checked before `build flake` reports success.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from .. import _log
from ..errors import ConfigError, FailureError
from ..model import Project
from ..render.nix import is_attr_path

__all__ = ["Fragment", "check_nix_code", "check_rendered_flake", "code_fragments"]

# the let-scope of the rendered flake (render/flake.py)
_LET = (
    "{ self, ... }@inputs: let system = null; overlays = null; pkgs = null; "
    "rootfsPackages = null; rootfs = null; R_tracked = null; pythonBuildSystems = null; "
    "pythonEnv = null; pythonOverrides = null; workspace = null; in "
)


@dataclass(frozen=True)
class Fragment:
    """One piece of user Nix code: where it is in the config and the text nix checks."""

    path: tuple[str, ...]
    code: str
    wrapped: str


def _package(path: tuple[str, ...], code: str) -> Fragment | None:
    code = code.strip()
    if is_attr_path(code):
        return None
    return Fragment(path, code, f"with {{ }}; (with pkgs; ({code}\n))")


def code_fragments(project: Project) -> list[Fragment]:
    """Every Nix code fragment of `project`, in config order."""
    found: list[Fragment | None] = []
    nixpkgs = project.nixpkgs
    if nixpkgs is not None:
        found += [_package(("nixpkgs", "packages"), p) for p in nixpkgs.packages or ()]
        if nixpkgs.overlay and nixpkgs.overlay.strip():
            code = nixpkgs.overlay.strip()
            found.append(Fragment(("nixpkgs", "overlay"), code, f"{_LET}[ ({code}\n) ]"))
    for name, flake in project.flakes.sorted_items():
        for package in flake.packages or ():
            package = package.strip()
            if not is_attr_path(package):
                code = f"inputs.x.{package}"
                found.append(Fragment(("flakes", name, "packages"), package, f"{_LET}({code}\n)"))
    if project.dev_shell is not None:
        found += [_package(("dev_shell", "inputs"), p) for p in project.dev_shell.inputs]
    if project.r is not None:
        for key in ("override_attrs", "dependency_overrides", "additional_packages"):
            for name, code in getattr(project.r, key).items():
                found.append(Fragment(("R", key, name), code, f"{_LET}({code.strip()}\n)"))
    if project.python is not None:
        for name, package in project.python.packages.items():
            for key, code in package.override_attrs.items():
                wrapped = f"{_LET}final: prev: old: ({code.strip()}\n)"
                path = ("python", "packages", name, "override_attrs", key)
                found.append(Fragment(path, code, wrapped))
    return [f for f in found if f is not None]


def _parse(text: str) -> subprocess.CompletedProcess[str] | None:
    """`nix-instantiate --parse -` of `text`; None when nix is not installed."""
    from .. import _proc

    tool = _proc.which("nix-instantiate")
    if tool is None:
        return None
    return subprocess.run(
        [tool, "--parse", "-"], input=text, capture_output=True, text=True, check=False
    )


def _nix_message(stderr: str) -> str:
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    return lines[0].removeprefix("error: ") if lines else "does not parse"


def check_nix_code(project: Project, config_path: Path | None) -> None:
    """ConfigError (65) at its config line for the first fragment nix cannot parse."""
    fragments = code_fragments(project)
    if not fragments:
        return
    batch = _parse("[\n" + "\n".join(f"({f.wrapped}\n)" for f in fragments) + "\n]\n")
    if batch is None:
        _log.debug("nix-instantiate not found: Nix code in the config not checked")
        return
    if batch.returncode == 0:
        return
    for fragment in fragments:
        proc = _parse(fragment.wrapped + "\n")
        if proc is not None and proc.returncode != 0:
            raise _fragment_error(fragment, _nix_message(proc.stderr), config_path)
    raise FailureError("the Nix code of the config does not parse together:\n" + batch.stderr)


def _fragment_error(fragment: Fragment, why: str, config_path: Path | None) -> ConfigError:
    from ..render.support import _finder

    finder = _finder(config_path)
    line = finder.line(*fragment.path) if finder is not None else None
    if config_path is not None and (line is not None or config_path.suffix == ".py"):
        # a list element's own line; in an anysnake2.py the first line spelling the code
        line = _element_line(config_path, line or 1, fragment.code, fallback=line)
    shown = fragment.code if len(fragment.code) <= 80 else fragment.code[:77] + "..."
    return ConfigError(
        f"{'.'.join(fragment.path)}: {shown!r} is not valid Nix code here ({why})",
        hint="package names are attribute paths (python3Packages.numpy); anything else is a "
        "Nix expression, with pkgs (and for overlays: final, prev) in scope",
        file=str(config_path) if config_path is not None else None,
        line=line,
    )


def _element_line(config_path: Path, line: int, code: str, fallback: int | None) -> int | None:
    """The first line from `line` on that spells `code` as written (else `fallback`)."""
    from .._config_text import read_config

    lines = read_config(config_path).split("\n")
    for number in range(line, min(len(lines), line + 2000) + 1):
        if code.strip() and code.strip() in lines[number - 1]:
            return number
    return fallback


def check_rendered_flake(text: str, flake_path: Path) -> None:
    """FailureError (70) when the generated flake.nix does not parse: never reported as built."""
    proc = _parse(text)
    if proc is not None and proc.returncode != 0:
        raise FailureError(
            f"the generated {flake_path} does not parse: {_nix_message(proc.stderr)}",
            hint="this is a bug in anysnake2's renderer: please report it with your config",
        )
