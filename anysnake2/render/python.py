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

import shlex
from typing import TYPE_CHECKING

from .._util.names import normalize_name, requirement_name
from ..build_systems import GIT
from .nix import RawNix, attr_name, paren, quote, render

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
# the libraries rpy2 links against besides R (the original's NIX_LDFLAGS)
RPY2_LIBRARIES = ("bzip2", "xz", "zlib", "icu", "libdeflate")
RPY2_NAMES = ("rpy2", "rpy2-rinterface")

UV_BIN_OVERLAY = (
    "(final: prev: prev.lib.optionalAttrs\n"
    '          (prev.lib.versionOlder prev.lib.trivial.release "25.05")\n'
    '          { uv = final.callPackage "${inputs.uv2nix}/pkgs/uv-bin" { }; })'
)

# Nix helpers of the build-backend overlay (see anysnake2/build_systems.py)
BACKEND_HELPERS = """\
          # the backend uv2nix leaves out, only where it builds from source
          withBackend = name: requires:
            prev.${name}.overrideAttrs (old: {
              nativeBuildInputs = (old.nativeBuildInputs or [ ]) ++ (
                if (old.passthru.format or "pyproject") == "pyproject"
                then final.resolveBuildSystem (pkgs.lib.filterAttrs (n: _: final ? ${n}) requires)
                else [ ]);
            });
          # a git checkout is fetched at evaluation (builtins.fetchGit): read its backend
          fromCheckout = drv:
            let
              file = "${drv.src}/pyproject.toml";
              requires =
                if builtins.pathExists file
                then (builtins.fromTOML (builtins.readFile file)).build-system.requires
                  or [ "setuptools" "wheel" ]
                else [ "setuptools" "wheel" ];
            in
            builtins.listToAttrs (map (r: {
              name = (inputs.pyproject-nix.lib.pep508.parseString r).name;
              value = [ ];
            }) requires);"""


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
    preference = "wheel" if python.prefer_wheels is not False else "sdist"
    flake.bind("workspace", "inputs.uv2nix.lib.workspace.loadWorkspace { workspaceRoot = ./uv; }")
    flake.bind(
        "pythonOverlay",
        f"workspace.mkPyprojectOverlay {{ sourcePreference = {quote(preference)}; }}",
    )
    flake.bind("pythonBuildSystems", _build_systems(flake))
    flake.bind("pythonOverrides", _overrides(flake))
    interpreter = "python" + python.version.replace(".", "")
    flake.bind(
        "pythonSet",
        "\n        (pkgs.callPackage inputs.pyproject-nix.build.packages {\n"
        f"          python = pkgs.{interpreter};\n"
        "        }).overrideScope\n"
        "          (pkgs.lib.composeManyExtensions [\n"
        f"            (inputs.build-system-pkgs.overlays.{preference}\n"
        "              or inputs.build-system-pkgs.overlays.default)\n"
        "            pythonOverlay\n"
        "            pythonBuildSystems\n"
        f"            (inputs.{COLLECTION}.overrides pkgs)\n"
        "            pythonOverrides\n"
        "          ])",
    )
    flake.bind("pythonEnv", _venv(any(p.editable is not None for p in python.packages.values())))
    flake.packages.append(RawNix("pythonEnv"))


def _venv(editables: bool) -> str:
    """The virtualenv; with `editables`, it holds `anysnake2_editables.pth` too."""
    venv = 'pythonSet.mkVirtualEnv "anysnake2-venv" workspace.deps.default'
    if not editables:
        return venv
    return (
        f"({venv}).overrideAttrs (old: {{\n"
        "        # the editables' site folder, read even by python -I\n"
        "        postInstall = (old.postInstall or \"\") + ''\n"
        "          for site in $out/lib/python3*/site-packages; do\n"
        f'            echo {shlex.quote(EDITABLES_PTH)} > "$site/anysnake2_editables.pth"\n'
        "          done\n"
        "        '';\n"
        "      })"
    )


def _build_systems(flake: _Flake) -> str:
    """The overlay giving git packages and sdists the build backend uv2nix leaves out."""
    lines = []
    for name, requires in sorted(flake.resolution.build_requires.items()):
        key = attr_name(name)
        if tuple(requires) == GIT:
            lines.append(f"          {key} = withBackend {quote(name)} (fromCheckout prev.{key});")
        else:
            names = sorted({requirement_name(r) for r in requires} - {""})
            wanted = "{ " + " ".join(f"{attr_name(n)} = [ ];" for n in names) + " }"
            lines.append(f"          {key} = withBackend {quote(name)} {wanted};")
    if not lines:
        return "final: prev: { }"
    return (
        "\n        final: prev:\n        let\n"
        + BACKEND_HELPERS
        + "\n        in\n        {\n"
        + "\n".join(lines)
        + "\n        }"
    )


def _overrides(flake: _Flake) -> str:
    """`override_attrs` and `build_systems` from the config, and rpy2 against the R."""
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
    lines = []
    for name in sorted(entries):
        body = render(entries[name], 5)
        lines.append(
            f"          {attr_name(name)} = prev.{attr_name(name)}.overrideAttrs (old: {body});"
        )
    text = "\n        final: prev:\n        "
    text += ("{\n" + "\n".join(lines) + "\n        }") if lines else "{ }"
    if flake.project.r is not None:
        text += _rpy2()
    return text


def _rpy2() -> str:
    """rpy2 built against the container's R, as the original did (`R_HOME =
    ''${R_tracked}''`): nixR's `R_by_date` is its `nix/r/wrapper.nix`, a derivation with
    `bin/<exe>` wrappers of the real R and `lib/R/library/<pkg>` links only, so
    `${R_tracked}/lib/R` has no `bin/R` while `${R_tracked}/bin/R` answers `R CMD config`
    and `R RHOME` for the real R. The libraries R links against go on NIX_LDFLAGS, and
    setuptools/cffi build it from its sdist."""
    flags = " ".join(f"-L${{pkgs.lib.getLib pkgs.{lib}}}/lib" for lib in RPY2_LIBRARIES)
    names = render(list(RPY2_NAMES))
    return (
        "\n        // pkgs.lib.genAttrs (builtins.filter (n: prev ? ${n}) " + names + ") (name:\n"
        "          prev.${name}.overrideAttrs (old: {\n"
        '            R_HOME = "${R_tracked}";\n'
        f'            NIX_LDFLAGS = "{flags}";\n'
        "            nativeBuildInputs = (old.nativeBuildInputs or [ ]) ++ [ R_tracked ] ++ (\n"
        '              if (old.passthru.format or "pyproject") == "pyproject"\n'
        "              then final.resolveBuildSystem { setuptools = [ ]; cffi = [ ]; }\n"
        "              else [ ]);\n"
        "          }))"
    )
