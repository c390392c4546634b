# Placeholder for nixpkgs' pkgs/build-support/bintools-wrapper/ld-wrapper.sh, which rust-overlay reads as
# ${path + "/pkgs/build-support/bintools-wrapper/ld-wrapper.sh"}. The offline stand-in has no bintools wrapper:
# a toolchain built with it has no working ld.lld wrapper.
echo "bintools-wrapper/ld-wrapper.sh: placeholder of the offline nixpkgs stand-in" >&2
exit 127
