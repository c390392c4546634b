"""What the pinned helper flakes support: configs that cannot work are rejected up front.

`check_supported(project, config_path)` raises ConfigError (65) with the config line and
what to change, instead of leaving the failure deep inside nix evaluation. `check` calls it,
and so does every build before rendering. The boundaries were read in the real repositories
(git bundles of github:pyproject-nix/uv2nix and github:oxalica/rust-overlay):

- uv2nix supports nixpkgs >= 22.11 and needs its `uv-bin` overlay for nixpkgs <= 24.11:
  uv2nix `doc/src/old-nixpkgs.md` (added in 97da45b, 2026-02-20).
- rust-overlay purged every nightly and beta manifest before 2025-01-01 in
  2a40bff32733e94a8a9042b00806c1933f10da57 (2026-03-11, "manifests: purge nightly/beta <
  2025-01-01"); our default revision is newer, so only a pinned older rust-overlay has them.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import _log
from .._util.names import find_revs
from ..defaults import DEFAULT_INPUTS
from ..errors import ConfigError
from ..model import Project
from ..toml_compat.lines import LineFinder

__all__ = [
    "RUST_OVERLAY_NIGHTLY_PURGE",
    "UV2NIX_MIN_NIXPKGS",
    "UV_BIN_MAX_NIXPKGS",
    "check_supported",
    "nixpkgs_release",
]

UV2NIX_MIN_NIXPKGS = "22.11"
UV_BIN_MAX_NIXPKGS = "24.11"
RUST_OVERLAY_NIGHTLY_PURGE = ("2a40bff32733e94a8a9042b00806c1933f10da57", "2025-01-01")
# the last rust-overlay commit that still has them (2026-03-11, parent of the purge)
RUST_OVERLAY_BEFORE_PURGE = "e552b1d2850f5f0a739bba27c6463af1a29e2f4e"

_RELEASE = re.compile(r"(?:^|[/:-])(\d\d\.\d\d)(?:$|[/?&])")
_NIGHTLY = re.compile(r"rust-bin\s*\.\s*(nightly|beta)\s*\.\s*\"(\d{4}-\d{2}-\d{2})\"")


def nixpkgs_release(project: Project) -> tuple[str, str] | None:
    """(`YY.MM`, the `[nixpkgs]` key it was read from) when the config names a release
    (`rev = "21.05"`, `url = "github:NixOS/nixpkgs/master/24.05"`, `ref = "nixos-24.11"`),
    else None (a bare revision: nothing is known before nix fetches it)."""
    nixpkgs = project.nixpkgs
    if nixpkgs is None:
        return None
    for key in ("rev", "ref", "url"):
        value = getattr(nixpkgs, key)
        match = _RELEASE.search(value) if value else None
        if match:
            return match.group(1), key
    return None


def _older(release: str, than: str) -> bool:
    return tuple(map(int, release.split("."))) < tuple(map(int, than.split(".")))


def _finder(config_path: Path | None) -> LineFinder | None:
    if config_path is None or config_path.suffix != ".toml":
        return None
    from .._config_text import read_config

    try:
        return LineFinder(read_config(config_path))
    except (OSError, ConfigError):
        return None


def _error(
    message: str, hint: str, config_path: Path | None, table: str, keys: tuple[str, ...]
) -> ConfigError:
    """The error at the line of the first of `keys` the file spells (else of `table`)."""
    finder = _finder(config_path)
    line = None
    if finder is not None:
        lines = [finder.line(table, key) for key in keys]
        line = next((n for n in lines if n != finder.line(table)), finder.line(table))
    file = str(config_path) if config_path is not None else None
    return ConfigError(message, hint=hint, file=file, line=line)


def _check_python_nixpkgs(project: Project, config_path: Path | None) -> None:
    found = nixpkgs_release(project)
    if project.python is None or found is None:
        return
    release, key = found
    if _older(release, UV2NIX_MIN_NIXPKGS):
        raise _error(
            f"[python] needs nixpkgs {UV2NIX_MIN_NIXPKGS} or newer, but [nixpkgs] names "
            f"release {release}: the Python environment is built with uv2nix, which supports "
            f"nixpkgs >= {UV2NIX_MIN_NIXPKGS} only",
            f"name a nixpkgs release >= {UV2NIX_MIN_NIXPKGS} in [nixpkgs] (e.g. 24.05 instead "
            f"of {release}), or drop [python]",
            config_path,
            "nixpkgs",
            (key, "url", "rev", "ref"),
        )


def _pinned_rev(item: object) -> str | None:
    """The 40-hex revision an input's `rev` or URL pins, lower-cased, or None."""
    found = find_revs(f"{getattr(item, 'rev', '') or ''} {getattr(item, 'url', '') or ''}")
    return found[0].lower() if found else None


def _rust_overlay_is_default(project: Project) -> bool:
    """True when rust-overlay is our default or its newest commit (no revision pinned)."""
    rust = project.rust
    if rust is None:
        return False
    pinned = _pinned_rev(rust)
    return pinned is None or pinned == DEFAULT_INPUTS["rust-overlay"].rev


def _check_rust_nightlies(project: Project, config_path: Path | None) -> None:
    if not _rust_overlay_is_default(project) or project.nixpkgs is None:
        return
    purge_rev, purge_date = RUST_OVERLAY_NIGHTLY_PURGE
    for code in project.nixpkgs.packages or ():
        for channel, date in _NIGHTLY.findall(code):
            if date < purge_date:
                raise _error(
                    f'[nixpkgs] packages names rust-bin.{channel}."{date}", but the default '
                    f"rust-overlay ({DEFAULT_INPUTS['rust-overlay'].rev}) has no {channel} "
                    f"from before {purge_date}: they were removed in {purge_rev}",
                    f'pin an older rust-overlay in [rust] (url = "github:oxalica/rust-overlay", '
                    f'rev = "{RUST_OVERLAY_BEFORE_PURGE}", the last commit before the purge), '
                    f"or use a {channel} from {purge_date} on",
                    config_path,
                    "nixpkgs",
                    ("packages",),
                )


def _warn_mixed_python_pins(project: Project) -> None:
    """build-system-pkgs loads its own uv.lock with the flake's uv2nix: our default's lock
    (lock `revision = 3`, wheel `upload-time`) needs a uv2nix from 1134842 (2025-04-30) on,
    see uvlock.py; an older pinned uv2nix beside it fails in nix."""
    if project.python is None:
        return
    uv2nix = _pinned_rev(project.inputs.get("uv2nix"))
    if uv2nix is None or uv2nix == DEFAULT_INPUTS["uv2nix"].rev:
        return
    if project.inputs.get("build-system-pkgs") is not None:
        return
    default = DEFAULT_INPUTS["build-system-pkgs"].rev
    _log.warn(
        f"[uv2nix] is pinned to {uv2nix} but [build-system-pkgs] is not: our default "
        f"build-system-pkgs ({default}) reads its own uv.lock with that uv2nix, which a "
        "uv2nix from before 2025-04-30 cannot read; pin [build-system-pkgs] from the time "
        "of your uv2nix (e.g. e1487e5cefda0c7990bdd2e660bee20971680e45 for January 2025)"
    )


def check_supported(project: Project, config_path: Path | None = None) -> None:
    """ConfigError (65) when the helper flakes cannot build `project` as configured; a
    warning where a combination of pins is likely to fail."""
    _check_python_nixpkgs(project, config_path)
    _check_rust_nightlies(project, config_path)
    _warn_mixed_python_pins(project)
