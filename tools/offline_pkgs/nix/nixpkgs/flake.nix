{
  description = "Offline stand-in for nixpkgs (anysnake2 tests): busybox-static and bash-static only";

  outputs = { self }: {
    lib = import ./lib.nix;
    legacyPackages.x86_64-linux = import ./. { system = "x86_64-linux"; };
  };
}
