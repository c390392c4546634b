{
  description = "Offline stand-in for pyproject-nix/pyproject.nix (anysnake2 tests)";

  # Mirrors the one entry point the generated flake uses:
  #   pkgs.callPackage pyproject-nix.build.packages { python = pkgs.python312; }
  # The real flake has nixpkgs as an input; this one has none.
  outputs = { self }: {
    build.packages = ./build/packages;
  };
}
