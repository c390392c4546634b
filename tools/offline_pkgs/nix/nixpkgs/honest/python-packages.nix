# Stand-in for nixpkgs' Python package set (pkgs/top-level/python-packages.nix), reduced to
# what build-system-pkgs reads from `pkgs.python3Packages`: the setup hooks of a few build
# backends (the files in ./python-hooks mirror nixpkgs' own hooks of the same names).
# Package sources it reads from there for building Rust or C backends from source
# (pydantic-core, libcst, oldest-supported-numpy) are not in the stand-in.
{ lib }:
let
  missing = name: throw "python3Packages.${name} (its source) is not in the offline stand-in";
in
{
  setuptools-scm.setupHook = ./python-hooks/setuptools-scm-setup-hook.sh;
  pdm-backend.setupHook = ./python-hooks/pdm-backend-setup-hook.sh;
  poetry-dynamic-versioning.setupHook = ./python-hooks/poetry-dynamic-versioning-setup-hook.sh;
  meson-python.setupHooks = [ ./python-hooks/meson-python-add-build-flags.sh ];
  cython = { };
  pydantic-core = missing "pydantic-core";
  libcst = missing "libcst";
  oldest-supported-numpy = missing "oldest-supported-numpy";
  cmake = missing "cmake";
  ninja = missing "ninja";
}
