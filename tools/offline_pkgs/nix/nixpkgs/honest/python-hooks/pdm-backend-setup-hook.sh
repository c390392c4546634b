# Mirrors nixpkgs' pkgs/development/python-modules/pdm-backend/setup-hook.sh
pdmBackendPretendVersion() {
    if [ -z "${PDM_BUILD_SCM_VERSION-}" ]; then
        export PDM_BUILD_SCM_VERSION="$version"
    fi
}
preBuildHooks+=(pdmBackendPretendVersion)
