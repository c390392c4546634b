# Mirrors nixpkgs' pkgs/development/python-modules/meson-python/add-build-flags.sh: the
# mesonFlags of the derivation reach meson through meson-python's setup-args.
mesonPythonBuildFlagsHook() {
    local f
    for f in ${mesonFlags-}; do
        uvBuildFlags+=" -Csetup-args=$f"
    done
}
preBuildHooks+=(mesonPythonBuildFlagsHook)
