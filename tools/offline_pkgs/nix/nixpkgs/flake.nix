{
  description = "Offline stand-in for nixpkgs (anysnake2 tests): busybox-static and bash-static only";

  outputs = { self }: {
    lib = if builtins.pathExists ./lib/default.nix then import ./lib else import ./lib.nix;
    legacyPackages.x86_64-linux = import ./. { system = "x86_64-linux"; };
  };
}
