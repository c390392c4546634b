# Stand-in for nixpkgs' stdenv (pkgs/stdenv/generic/default.nix and
# pkgs/stdenv/generic/make-derivation.nix), built on the real nixpkgs lib.
#
# `stdenv.mkDerivation` takes an attribute set or a function of the final attributes
# (`mkDerivation (finalAttrs: { ... })`), has `overrideAttrs` (both `old: {...}` and
# `final: prev: {...}` forms), `passthru`, `meta`, `outputs`, `env`, and the input lists
# (nulls dropped, nested lists flattened) as in make-derivation.nix. The builder is
# bash with ./setup.sh as $stdenv/setup, which runs genericBuild with the usual phases and
# the inputs' setup hooks. Platforms are `lib.systems.elaborate system` (host = build =
# target, the same value, so `stdenv.buildPlatform != stdenv.hostPlatform` is false as in
# a native nixpkgs). `cc` has no compiler: only `cc.libc` (the host glibc version, for
# pyproject.nix's manylinux checks) and the attributes pyproject.nix reads from it.
{ lib, system, final, glibcVersion, hostCc }:
let
  platform = lib.systems.elaborate system;
  shell = "${final.bootstrapTools.bash}/bash";

  # pkgs/stdenv/generic/default.nix: $stdenv/setup is setup.sh with the initial PATH.
  setupDrv = derivation {
    name = "stdenv-linux";
    inherit system;
    builder = "${final.busybox}/bin/sh";
    initialPath = "${final.busybox}/bin" + lib.optionalString (hostCc != null) ":${hostCc}/bin";
    args = [ "-c" ''
      set -e
      ${final.busybox}/bin/mkdir -p $out
      ${final.busybox}/bin/sed -e "s|@initialPath@|$initialPath|" ${./setup.sh} > $out/setup
    '' ];
  };

  flatten = xs: builtins.filter (x: x != null) (lib.flatten xs);

  inputLists = [
    "nativeBuildInputs" "buildInputs" "propagatedBuildInputs" "propagatedNativeBuildInputs"
    "depsBuildBuild" "depsBuildTarget" "depsHostHost" "depsTargetTarget" "checkInputs"
    "nativeCheckInputs" "installCheckInputs" "nativeInstallCheckInputs"
  ];

  # make-derivation.nix's mkDerivationSimple, reduced: the env of `derivation` is the
  # attributes minus the nix-only ones; the result carries passthru, meta, overrideAttrs.
  mkDerivationSimple = overrideAttrs: attrs:
    let
      outputs = attrs.outputs or [ "out" ];
      name = attrs.name or "${attrs.pname}-${attrs.version}";
      lists = lib.genAttrs (builtins.filter (n: attrs ? ${n}) inputLists) (n: flatten attrs.${n});
      env = builtins.removeAttrs attrs [ "passthru" "meta" "env" "pos" "finalPackage" "overrideAttrs" "__structuredAttrs" "checkInputs" "nativeCheckInputs" ]
        // (attrs.env or { }) // lists // {
          inherit name system outputs;
          builder = attrs.realBuilder or shell;
          args = attrs.args or [ "-e" ./default-builder.sh ];
          stdenv = final.stdenv;
        } // lib.optionalAttrs (attrs ? nativeCheckInputs || attrs ? checkInputs) {
          nativeBuildInputs = (lists.nativeBuildInputs or [ ])
            ++ lib.optionals (attrs.doCheck or false) (flatten [ (attrs.nativeCheckInputs or [ ]) (attrs.checkInputs or [ ]) ]);
        };
      drv = derivation env;
      passthru = attrs.passthru or { };
      outputsOf = lib.genAttrs outputs (o: drv.${o});
    in
    drv // passthru // {
      meta = attrs.meta or { };
      inherit overrideAttrs passthru;
      inputDerivation = drv;
    } // outputsOf;

  # make-derivation.nix's makeDerivationExtensible.
  makeDerivationExtensible = rattrs:
    let
      args = rattrs (args // { inherit finalPackage overrideAttrs; });
      finalPackage = mkDerivationSimple overrideAttrs args;
      overrideAttrs = f0:
        let
          f = self: super: if builtins.isFunction (f0 super) then f0 self super else f0 super;
        in
        makeDerivationExtensible (self: let super = rattrs self; in super // f self super);
    in
    finalPackage;

  mkDerivation = fnOrAttrs:
    makeDerivationExtensible (if builtins.isFunction fnOrAttrs then fnOrAttrs else (_: fnOrAttrs));

  libc = {
    pname = "glibc";
    version = glibcVersion;
    name = "glibc-${glibcVersion}";
    # pkgs/os-specific/linux/kernel-headers: only its version is read (PEP 508 markers)
    linuxHeaders = { version = "6.1"; };
  };
in
setupDrv // {
  inherit mkDerivation shell system;
  hostPlatform = platform;
  buildPlatform = platform;
  targetPlatform = platform;
  inherit (platform) isLinux isDarwin isx86_64 isAarch64;
  isCross = false;
  # pkgs/build-support/cc-wrapper: no compiler in the offline package set; `cc` is a
  # placeholder package (its cc/ld say so) carrying what pyproject.nix and rust-overlay read
  cc = (if hostCc != null then hostCc else final.gcc) // {
    inherit libc;
    isClang = false;
    isGNU = true;
    targetPrefix = "";
    # passthru of pkgs/build-support/bintools-wrapper/default.nix (rust-overlay wraps its
    # ld.lld with these)
    bintools = final.bintools // {
      inherit libc;
      shell = "${final.bash}/bin/bash";
      coreutils_bin = final.coreutils;
      expandResponseParams = "${final.busybox}/bin/true";
      suffixSalt = "x86_64_unknown_linux_gnu";
      wrapperName = "BINTOOLS_WRAPPER";
    };
    cc = if hostCc != null then hostCc else final.gcc;
  };
  initialPath = [ final.busybox ];
  setup = "${setupDrv}/setup";
  override = _: final.stdenv;
}
