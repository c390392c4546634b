# Placeholder for nixpkgs' pkgs/build-support/wrapper-common/utils.bash, which rust-overlay reads as
# ${path + "/pkgs/build-support/wrapper-common/utils.bash"}. The offline stand-in has no bintools wrapper:
# a toolchain built with it has no working ld.lld wrapper.
echo "wrapper-common/utils.bash: placeholder of the offline nixpkgs stand-in" >&2
exit 127
