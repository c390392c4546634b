{
  description = "Offline stand-in for TyberiusPrime/nixR (anysnake2 tests)";

  # The real nixR has its own nixpkgs input; this stand-in has no inputs and builds with
  # the package set passed as `nix_pkgs_pkgs` (which anysnake2 2.x always passes).
  outputs = { self }: {
    R_by_date = import ./R_by_date.nix;
  };
}
