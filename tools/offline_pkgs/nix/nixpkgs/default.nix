# Offline stand-in for nixpkgs, made by tools/offline_pkgs/make_offline_pkgs.py.
#
# `import nixpkgs { inherit system; overlays = [ ... ]; config = { ... }; }` works as with
# the real nixpkgs: overlays (final: prev: { ... }) are applied in order on a fixed point.
# No `...` in the arguments on purpose: an argument the real nixpkgs takes but this
# stand-in does not know fails loudly, so the stand-in cannot drift silently from what the
# generated flake passes. config keys read: allowUnfree, permittedInsecurePackages.
#
# The package set's surface is listed in ./pkgs.nix. When the repository holds the real
# nixpkgs lib in ./lib (make_offline_pkgs.py --nixpkgs-lib), that lib is used and the
# layer in ./honest (stdenv, makeSetupHook, fetchurl, interpreters, ...) is added for the
# real uv2nix / pyproject.nix / build-system-pkgs / rust-overlay.
{ system ? "x86_64-linux", overlays ? [ ], config ? { } }:
let
  honest = builtins.pathExists ./lib/default.nix;
  lib = if honest then import ./lib else import ./lib.nix;
  base = final: import ./pkgs.nix { inherit lib system config final; };
  layers = (if honest then [ (import ./honest { inherit lib system; }) ] else [ ]) ++ overlays;
in
lib.fix (lib.extends (lib.composeManyExtensions layers) base)
