{
  description = "Offline stand-in for pyproject-nix/build-system-pkgs (anysnake2 tests)";

  # overlays.wheel / overlays.sdist / overlays.default (= sdist) add build systems to the
  # pyproject-nix stand-in's package set, in the shape the uv2nix stand-in uses. The real
  # flake takes nixpkgs, pyproject-nix and uv2nix as inputs; this one has none.
  outputs = { self }:
    let
      buildSystems = {
        setuptools = "80.9.0";
        wheel = "0.45.1";
        hatchling = "1.27.0";
        flit-core = "3.12.0";
        poetry-core = "2.1.3";
      };
      standIn = attrs: attrs // {
        overrideAttrs = f: standIn (attrs // (if builtins.isFunction f then f attrs else f));
      };
      overlay = source: final: prev: builtins.mapAttrs
        (name: version: standIn {
          pname = name;
          inherit version source;
          editable = null;
          dependencies = { };
          optional-dependencies = { };
        })
        buildSystems;
    in
    {
      overlays = {
        wheel = overlay "wheel";
        sdist = overlay "sdist";
        default = self.overlays.sdist;
      };
    };
}
