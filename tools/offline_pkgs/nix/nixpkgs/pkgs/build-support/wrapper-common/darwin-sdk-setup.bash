# Placeholder for nixpkgs' pkgs/build-support/wrapper-common/darwin-sdk-setup.bash, which rust-overlay reads as
# ${path + "/pkgs/build-support/wrapper-common/darwin-sdk-setup.bash"}. The offline stand-in has no bintools wrapper:
# a toolchain built with it has no working ld.lld wrapper.
echo "wrapper-common/darwin-sdk-setup.bash: placeholder of the offline nixpkgs stand-in" >&2
exit 127
