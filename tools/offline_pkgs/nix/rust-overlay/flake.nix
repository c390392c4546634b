{
  description = "Offline stand-in for oxalica/rust-overlay (anysnake2 tests)";

  # The real rust-overlay takes nixpkgs as an input; this one has no inputs, so its
  # revision does not depend on where the offline package set was made.
  outputs = { self }: {
    overlays.default = import ./overlay.nix;

    # Only its name is meant to be read (anysnake2 takes the newest stable version from
    # it); building it fails, since without nixpkgs there is no builder to use.
    packages.x86_64-linux.default = derivation {
      name = "rust-default-1.80.0";
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "echo 'rust-overlay stand-in: build pkgs.rust-bin via overlays.default' >&2; exit 1" ];
    };
  };
}
