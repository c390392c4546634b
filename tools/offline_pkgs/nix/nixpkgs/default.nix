# Offline stand-in for nixpkgs, made by tools/offline_pkgs/make_offline_pkgs.py.
#
# `import nixpkgs { inherit system; overlays = [ ... ]; config = { ... }; }` works as with
# the real nixpkgs: overlays (final: prev: { ... }) are applied in order on a fixed point.
# No `...` in the arguments on purpose: an argument the real nixpkgs takes but this
# stand-in does not know fails loudly, so the stand-in cannot drift silently from what the
# generated flake passes. config keys read: allowUnfree, permittedInsecurePackages.
#
# The package set's surface is listed in ./pkgs.nix.
{ system ? "x86_64-linux", overlays ? [ ], config ? { } }:
let
  lib = import ./lib.nix;
  base = final: import ./pkgs.nix { inherit lib system config final; };
in
lib.fix (lib.extends (lib.composeManyExtensions overlays) base)
