# Placeholders for the nixpkgs packages the original tool's example configs list in
# `[nixpkgs] packages` (and the flake's devShell and overrides name): each one is a
# derivation named like the real package whose programs (its `meta.mainProgram` and the
# other commands listed) print that they are placeholders and exit 127. They let a
# rendered flake evaluate and build without claiming to be the real tools.
{ lib, final }:
let
  placeholder = pname: version: programs:
    final.runCommand "${pname}-${version}" {
      inherit pname version;
      meta.mainProgram = builtins.head programs;
    } ''
      mkdir -p $out/bin
      for p in ${lib.concatStringsSep " " programs}; do
        printf '#!%s\necho "%s: a placeholder of the offline nixpkgs stand-in" >&2\nexit 127\n' \
          ${final.bash}/bin/bash "$p" > $out/bin/$p
        chmod 0555 $out/bin/$p
      done
    '';
in
{
  docker-client = placeholder "docker" "27.3.1" [ "docker" ];
  evcxr = placeholder "evcxr" "0.17.0" [ "evcxr" "evcxr_jupyter" ];
  fd = placeholder "fd" "10.2.0" [ "fd" ];
  fish = placeholder "fish" "3.7.1" [ "fish" ];
  gcc = placeholder "gcc-wrapper" "13.3.0" [ "gcc" "cc" ];
  mercurial = placeholder "mercurial" "6.8.2" [ "hg" ];
  netcat = placeholder "netcat-gnu" "0.7.1" [ "nc" ];
  ripgrep = placeholder "ripgrep" "14.1.1" [ "rg" ];
  strace = placeholder "strace" "6.12" [ "strace" ];
  util-linux = placeholder "util-linux" "2.40.2" [ "lsblk" "mount" "setsid" ];
  varscan = placeholder "varscan" "2.4.6" [ "varscan" ];
  which = placeholder "which" "2.21" [ "which" ];
  rust-analyzer = placeholder "rust-analyzer" "2024-11-11" [ "rust-analyzer" ];
  xz = placeholder "xz" "5.6.3" [ "xz" "lzma" ];
  tbb_2021_11 = placeholder "tbb" "2021.11.0" [ "tbb-placeholder" ];
  # nixpkgs' own Rust (rust-overlay's mk-aggregated.nix reads rustc's target platforms)
  rustc = placeholder "rustc" "1.83.0" [ "rustc" ];
  cargo = placeholder "cargo" "1.83.0" [ "cargo" ];
  # rust-overlay patches cargo to load libsecret (its credential helper)
  libsecret = placeholder "libsecret" "0.21.4" [ "secret-tool" ];
  # libraries rpy2 links besides R
  bzip2 = placeholder "bzip2" "1.0.8" [ "bzip2" ];
  icu = placeholder "icu4c" "74.2" [ "icuinfo" ];
  libdeflate = placeholder "libdeflate" "1.22" [ "libdeflate-gzip" ];
  curl = placeholder "curl" "8.11.0" [ "curl" ];
  # rust-overlay's mk-component-set.nix takes these as inputs of the toolchain components
  bintools = placeholder "binutils-wrapper" "2.43.1" [ "ld" "ar" "nm" ];
  zlib = let p = placeholder "zlib" "1.3.1" [ "zlib-placeholder" ]; in p // { out = p; dev = p; };
  gccForLibs = let p = placeholder "gcc" "13.3.0" [ "gcc-placeholder" ]; in p // { lib = p; libgcc = p; };
}
