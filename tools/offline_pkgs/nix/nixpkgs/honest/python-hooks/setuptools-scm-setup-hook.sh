# Mirrors nixpkgs' pkgs/development/python-modules/setuptools-scm/setup-hook.sh: the
# source tree has no SCM data in a nix build, so tell setuptools-scm the version.
setuptoolsScmSetupHook() {
    if [ -z "${dontPretendSetuptoolsSCMVersion-}" ]; then
        export SETUPTOOLS_SCM_PRETEND_VERSION="$version"
    fi
}
preBuildHooks+=(setuptoolsScmSetupHook)
