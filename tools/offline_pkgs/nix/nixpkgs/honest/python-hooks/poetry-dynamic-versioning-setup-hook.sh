# Mirrors nixpkgs' pkgs/development/python-modules/poetry-dynamic-versioning/setup-hook.sh
poetryDynamicVersioningBypass() {
    export POETRY_DYNAMIC_VERSIONING_BYPASS="$version"
}
preBuildHooks+=(poetryDynamicVersioningBypass)
