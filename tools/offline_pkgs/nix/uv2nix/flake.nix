{
  description = "Offline stand-in for pyproject-nix/uv2nix (anysnake2 tests)";

  # The real uv2nix takes pyproject-nix (and nixpkgs) as flake inputs. This stand-in has
  # no inputs: a git+file:// input would put the absolute path of the offline package set
  # into flake.nix and make this repository's revision machine-dependent. The generated
  # flake takes pyproject-nix as an input of its own, as it does with the real one.
  # Not mirrored: packages.<system>.uv-bin (there is no uv binary offline).
  outputs = { self }: {
    lib = import ./lib;
  };
}
