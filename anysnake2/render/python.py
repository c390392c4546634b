"""The Python part of the flake: uv2nix over pyproject.nix, as the real helper code reads it.

Everything here was checked against the real repositories (git bundles in the team's
`upstream/` folder) at the revisions the original configs pin and at our defaults:

- build-system-pkgs has `overlays.wheel`/`overlays.sdist` only from
  46d4691a1b8f3a6862addad8277704a00ceb4a0a (2025-03-27, "Add sdist/wheel overlay
  variants"); before, `overlays.default` is its only overlay (building from sdist). The
  2.x configs pin e1487e5c (2025-01-20) and e4ec65fa (2025-02-10), so the flake takes
  `overlays.<preference> or overlays.default`.
- uv2nix `doc/src/old-nixpkgs.md`: nixpkgs <= 24.11 needs `uv =
  uv2nix.packages.${system}.uv-bin` (the pyproject.nix build hooks need uv >= 0.5.7);
  the overlay checks nixpkgs' `lib.trivial.release` at evaluation, so a nixpkgs pinned by
  revision alone is handled too.
- pyproject.nix `build/packages.nix` has `resolveBuildSystem` in the package set (also at
  28ca7673, the revision uv2nix 05b0c148 locks).
- uv2nix_hammer_overrides `flake.nix`: `overrides` is `nixpkgs_pkgs: final: prev: ...`,
  used as `(overrides pkgs)` in the overlay list, as the original did.
- uv2nix, pyproject.nix and build-system-pkgs take only `lib` from their `nixpkgs` input
  (`inherit (nixpkgs) lib`; `legacyPackages` only for their checks, dev shells and
  `packages`), and uv2nix since 42f1606 (2025-01-11, every revision the 2.x configs pin)
  takes `match` from it, which nixpkgs' lib exports only since 2024-06-20: following a
  nixpkgs 24.05 or older, a git source does not evaluate. So they follow `nixpkgs-lib`
  (github:nix-community/nixpkgs.lib, nixpkgs' lib alone), and uv-bin is built from
  uv2nix's `pkgs/uv-bin` with the project's nixpkgs, as uv2nix's own `packages` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .._util.names import normalize_name, requirement_name
from ..build_systems import GIT
from .nix import RawNix, attr_name, paren

if TYPE_CHECKING:
    from .flake import _Flake

__all__ = ["EDITABLES_PTH", "render_python"]

#: `anysnake2_editables.pth` in the venv's site-packages when the project has editables:
#: Python reads the generated site folder (runtime.editables.SITE_ROOT, bound in the
#: container) as a site directory, so its dist-info and `.pth` files count even under
#: `python -I`/`-E`, where PYTHONPATH is ignored; outside the container it does nothing.
#: (In the venv, not the rootfs: pyproject.nix's venv launcher sets the venv's store path
#: as argv[0], so Python's prefix is the venv, never the rootfs' /pyvenv.cfg.)
EDITABLES_PTH = (
    'import os, site; os.path.isdir("/anysnake2/editable_site") '
    'and site.addsitedir("/anysnake2/editable_site")'
)

COLLECTION = "uv2nix_hammer_overrides"

UV_BIN_OVERLAY = (
    "(final: prev: prev.lib.optionalAttrs\n"
    '          (prev.lib.versionOlder prev.lib.trivial.release "25.05")\n'
    '          { uv = final.callPackage "${inputs.uv2nix}/pkgs/uv-bin" { }; })'
)

#: Nix helpers of the build-backend overlay (see build_systems.py), as the flake includes
#: them (the tests evaluate them on their own)
BACKEND_HELPERS = (Path(__file__).parent / "templates" / "backend_helpers.nix").read_text().rstrip()


def render_python(flake: _Flake) -> None:
    """Add the Python inputs, overlays, bindings and the virtualenv package to `flake`."""
    python = flake.project.python
    if python is None:
        return
    inputs = flake.project.inputs
    flake.add_helper("nixpkgs-lib", inputs.get("nixpkgs-lib"), ())
    lib = {"nixpkgs": "nixpkgs-lib"}
    flake.add_helper("pyproject-nix", inputs.get("pyproject-nix"), (), lib)
    flake.add_helper("uv2nix", inputs.get("uv2nix"), ("pyproject-nix",), lib)
    flake.add_helper(
        "build-system-pkgs", inputs.get("build-system-pkgs"), ("pyproject-nix", "uv2nix"), lib
    )
    # its own `systems` and `treefmt-nix` (and treefmt-nix's nixpkgs) serve only its
    # `formatter` output, never evaluated here: following our nixpkgs, nothing extra is
    # fetched (`nix flake archive` would fetch every input of its flake.lock)
    unused = {"systems": "nixpkgs", "treefmt-nix": "nixpkgs"}
    flake.add_helper(COLLECTION, inputs.get(COLLECTION), ("nixpkgs",), unused)
    flake.overlays.append(RawNix(UV_BIN_OVERLAY))
    flake.python = {
        "preference": "wheel" if python.prefer_wheels is not False else "sdist",
        "interpreter": "python" + python.version.replace(".", ""),
        "collection": COLLECTION,
        "backends": _backends(flake),
        "overrides": _overrides(flake),
        "editables": any(p.editable is not None for p in python.packages.values()),
        "editables_pth": EDITABLES_PTH,
    }
    flake.packages.append(RawNix("pythonEnv"))


def _backends(flake: _Flake) -> list[tuple[str, str]]:
    """(package, the build requirements it gets) for the build-backend overlay: what uv2nix
    leaves out when it builds git packages and sdists (see build_systems.py)."""
    backends = []
    for name, requires in sorted(flake.resolution.build_requires.items()):
        if tuple(requires) == GIT:
            backends.append((name, f"(fromCheckout prev.{attr_name(name)})"))
        else:
            names = sorted({requirement_name(r) for r in requires} - {""})
            backends.append((name, "{ " + " ".join(f"{attr_name(n)} = [ ];" for n in names) + " }"))
    return backends


def _overrides(flake: _Flake) -> list[tuple[str, dict[str, RawNix]]]:
    """(package, its attributes) from `override_attrs` and `build_systems` of the config."""
    python = flake.project.python
    assert python is not None
    entries: dict[str, dict[str, RawNix]] = {}
    for name, package in python.packages.items():
        attrs: dict[str, RawNix] = {k: paren(v) for k, v in package.override_attrs.items()}
        if package.build_systems:
            wanted = " ".join(f"{attr_name(b)} = [ ];" for b in sorted(set(package.build_systems)))
            extra = f"final.resolveBuildSystem {{ {wanted} }}"
            before = attrs.get("nativeBuildInputs", RawNix("(old.nativeBuildInputs or [ ])"))
            attrs["nativeBuildInputs"] = RawNix(f"{before.code} ++ {extra}")
        if attrs:
            entries.setdefault(normalize_name(name), {}).update(attrs)
    return sorted(entries.items())
