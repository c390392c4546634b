# The "honest" layer of the offline nixpkgs stand-in, applied only when the repository
# holds the real nixpkgs lib (make_offline_pkgs.py --nixpkgs-lib PATH copies it to ./lib).
# It gives the real pyproject.nix builders, uv2nix, build-system-pkgs, rust-overlay and
# flake-utils the attributes they use; each mirrors the nixpkgs file named beside it.
# What is not here fails with "attribute missing" instead of being guessed.
{ lib, system }:
final: prev:
let
  bootstrap = import ../bootstrap/host.nix;
  py = import ./python.nix { inherit lib final; };
  hostTool = name: path:
    # The host's binary copied with its loader and libraries (bootstrap/<name>), run
    # through the copied loader: it does not depend on the build machine's /lib64.
    final.runCommand name { meta.mainProgram = name; } ''
      mkdir -p $out/bin $out/libexec
      cp -r ${path}/lib $out/libexec/lib
      cp ${path}/bin/${name} $out/libexec/${name}
      cat > $out/bin/${name} <<EOS
      #!${final.bash}/bin/bash
      exec $out/libexec/lib/ld-linux-x86-64.so.2 --library-path $out/libexec/lib $out/libexec/${name} "\$@"
      EOS
      chmod 0555 $out/bin/${name}
    '';
  noHook = name: final.makeSetupHook { inherit name; } (builtins.toFile "${name}.sh" ''
    # stand-in: ${name} does nothing in the offline package set
  '');
in
import ./placeholders.nix { inherit lib final; } // {
  # pkgs/top-level/splice.nix: callPackage = newScope { } over the whole package set
  newScope = extra: lib.callPackageWith (final // extra);
  callPackage = final.newScope { };
  callPackages = lib.callPackagesWith final;
  # pkgs/top-level/stage.nix: the package set names itself
  pkgs = final;
  buildPackages = final;
  pkgsBuildBuild = final;
  pkgsBuildHost = final;
  pkgsHostTarget = final;
  pkgsHostHost = final;
  pkgsTargetTarget = final;
  # the root of the nixpkgs tree (rust-overlay reads bintools-wrapper scripts below it;
  # this stand-in has placeholders there, see ../pkgs/build-support)
  path = ../.;
  pkgsCross = throw "pkgsCross: no cross compilation in the offline stand-in";
  inherit system;
  config = { };

  stdenv = import ./stdenv.nix {
    inherit lib system final;
    glibcVersion = bootstrap.glibc;
    hostCc = if bootstrap ? python then final.hostCc else null;
  };
  stdenvNoCC = final.stdenv;
  bash = final.bashInteractive;

  # pkgs/build-support/trivial-builders/default.nix
  runCommand = name: env: buildCommand:
    final.stdenv.mkDerivation ({ inherit name buildCommand; passAsFile = [ "buildCommand" ]; } // env);
  runCommandLocal = final.runCommand;
  runCommandNoCC = final.runCommand;
  writeTextFile = { name, text, executable ? false, destination ? "", checkPhase ? "", meta ? { }, ... }:
    final.runCommand name { inherit text executable destination meta; passAsFile = [ "text" ]; } ''
      target=$out${destination}
      mkdir -p "$(dirname "$target")"
      cp "$textPath" "$target"
      if [ -n "$executable" ]; then chmod +x "$target"; fi
    '';
  writeText = name: text: final.writeTextFile { inherit name text; };
  writeScript = name: text: final.writeTextFile { inherit name text; executable = true; };
  writeShellScript = name: text: final.writeTextFile {
    inherit name; executable = true;
    text = "#!${final.bash}/bin/bash\n${text}";
  };
  writeShellScriptBin = name: text: final.writeTextFile {
    inherit name; executable = true; destination = "/bin/${name}";
    text = "#!${final.bash}/bin/bash\n${text}";
  };
  # pkgs/build-support/trivial-builders/default.nix: makeSetupHook
  makeSetupHook = { name ? lib.warn "calling makeSetupHook without passing a name is deprecated." "hook"
    , propagatedBuildInputs ? [ ], depsTargetTargetPropagated ? [ ], meta ? { }, passthru ? { }
    , substitutions ? { } }: script:
    final.runCommand name (substitutions // {
      inherit meta propagatedBuildInputs;
      strictDeps = true;
      passthru = passthru // { inherit script; };
    }) (''
      mkdir -p $out/nix-support
      cp ${script} $out/nix-support/setup-hook
    '' + lib.optionalString (propagatedBuildInputs != [ ]) ''
      printf '%s ' ${toString propagatedBuildInputs} > $out/nix-support/propagated-build-inputs
    '' + lib.optionalString (substitutions != { }) ''
      substituteAll ${script} $out/nix-support/setup-hook
    '');
  # pkgs/build-support/replace-vars/replace-vars.nix (nixpkgs >= 24.11)
  replaceVars = src: replacements:
    final.runCommand (baseNameOf (toString src)) { } ''
      cp ${src} $out
      chmod u+w $out
      ${lib.concatStrings (lib.mapAttrsToList (k: v:
        if v == null then "" else "substituteInPlace $out --replace-fail ${lib.escapeShellArg "@${k}@"} ${lib.escapeShellArg (toString v)}\n"
      ) replacements)}
    '';
  substituteAll = args: final.runCommand (baseNameOf (toString args.src)) (builtins.removeAttrs args [ "src" ]) ''
    substituteAll ${args.src} $out
  '';

  # pkgs/build-support/trivial-builders/default.nix: symlinkJoin
  symlinkJoin = { name, paths, preferLocalBuild ? true, allowSubstitutes ? false, postBuild ? "", ... }@args:
    final.runCommand name (builtins.removeAttrs args [ "name" "postBuild" ] // {
      inherit preferLocalBuild allowSubstitutes;
      passAsFile = [ "buildCommand" "paths" ];
    }) ''
      mkdir -p $out
      for i in $(cat $pathsPath); do
        ${final.xorg.lndir}/bin/lndir -silent $i $out
      done
      ${postBuild}
    '';
  lndir = final.xorg.lndir;
  gnutar = final.runCommand "gnutar-busybox" { meta.mainProgram = "tar"; } ''
    mkdir -p $out/bin
    ln -s ${final.busybox}/bin/tar $out/bin/tar
  '';

  # pkgs/build-support/fetchurl/default.nix, with nix's builtin:fetchurl as the fetcher
  # (the real one runs curl, which the offline set has not)
  fetchurl = { url ? null, urls ? [ ], hash ? null, sha256 ? null, name ? null, passthru ? { }, ... }:
    let
      theUrl = if url != null then url else builtins.head urls;
      h = if hash != null then hash else "sha256:${sha256}";
      drv = derivation {
        # as the real fetchurl: an empty name means the URL's file name
        name = if name != null && name != "" then name else baseNameOf theUrl;
        inherit system;
        builder = "builtin:fetchurl";
        url = theUrl;
        outputHashMode = "flat";
        outputHash = h;
        urls = [ theUrl ];
        unpack = false;
        executable = false;
        preferLocalBuild = true;
        impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
      };
    in
    drv // passthru // { inherit passthru; url = theUrl; };
  fetchPypi = { pname, version, hash ? null, sha256 ? null, ... }:
    final.fetchurl {
      url = "https://files.pythonhosted.org/packages/source/${builtins.substring 0 1 pname}/${pname}/${pname}-${version}.tar.gz";
      inherit hash sha256;
    };

  # pkgs/development/interpreters/python/default.nix
  python39 = py.mkEvalPython "3.9.19";
  python310 = py.mkEvalPython "3.10.14";
  python311 = if bootstrap ? python then py.mkHostPython { inherit (bootstrap.python) version; bootstrap = bootstrap.python.path; } else py.mkEvalPython "3.11.9";
  python312 = py.mkEvalPython "3.12.4";
  python313 = py.mkEvalPython "3.13.0";
  python38 = py.mkEvalPython "3.8.20";
  python3 = final.python312;
  python = final.python3;
  python3Packages = final.python3.pkgs;
  pythonInterpreters = { inherit (final) python39 python310 python311 python312 python313; };
  # pkgs/development/interpreters/python/manylinux/default.nix: the libraries a
  # manylinux wheel may link; here the host's glibc libraries copied with the interpreter
  pythonManylinuxPackages = { manylinux1 = [ ]; manylinux2010 = [ ]; manylinux2014 = [ ]; };

  # The host's glibc (loader, libc, libm), as copied with the host's Python. This and
  # hostCc are plain derivations (busybox sh), since the stdenv is made with them.
  hostGlibc = derivation {
    name = "glibc-${bootstrap.glibc}-host";
    inherit system;
    builder = "${final.busybox}/bin/sh";
    args = [ "-e" "-c" ''
      ${final.busybox}/bin/mkdir -p $out/lib
      for f in ld-linux-x86-64.so.2 libc.so.6 libm.so.6; do
        ${final.busybox}/bin/cp ${bootstrap.python.path}/lib/$f $out/lib/
      done
    '' ];
  };
  # pkgs/build-support/cc-wrapper, reduced: the host's gcc (reachable because this
  # machine builds with sandbox = false), with the wrapper's job of pointing the
  # programs it links at the store's glibc (loader and rpath), so they run where the
  # host's /lib64 is not (the container). Only with the host tools (make_offline_pkgs.py
  # --host-tools); pyproject.nix's make_venv.py compiles its interpreter wrappers with it.
  hostCc = derivation {
    name = "gcc-wrapper-host";
    inherit system;
    builder = "${final.busybox}/bin/sh";
    script = ''
      #!${final.bootstrapTools.bash}/bash
      export PATH="/usr/bin:$PATH"  # gcc runs the host's as and ld
      for a in "$@"; do case "$a" in -c|-S|-E) exec /usr/bin/gcc "$@" ;; esac; done
      exec /usr/bin/gcc "$@" -Wl,--dynamic-linker=${final.hostGlibc}/lib/ld-linux-x86-64.so.2 -Wl,-rpath,${final.hostGlibc}/lib
    '';
    args = [ "-e" "-c" ''
      ${final.busybox}/bin/mkdir -p $out/bin
      for c in cc gcc; do
        printf '%s' "$script" | ${final.busybox}/bin/sed -e 's/^ *//' > $out/bin/$c
        ${final.busybox}/bin/chmod 0555 $out/bin/$c
      done
    '' ];
  } // { meta.mainProgram = "cc"; };

  # pkgs/by-name/uv/uv/package.nix: the host's uv (the pinned one from the Python venv)
  uv = if bootstrap ? uv then hostTool "uv" bootstrap.uv else final.runCommand "uv-standin" { } ''
    mkdir -p $out/bin
    printf '#!%s\necho "uv: not in this offline package set" >&2; exit 127\n' ${final.bash}/bin/bash > $out/bin/uv
    chmod +x $out/bin/uv
  '';
  # pkgs/by-name/ug/ugrep: only `lib.getExe` of it is taken at evaluation (install-dist.py)
  ugrep = final.runCommand "ugrep-standin" { meta.mainProgram = "ugrep"; } ''
    mkdir -p $out/bin
    ln -s ${final.busybox}/bin/grep $out/bin/ugrep
  '';
  unzip = final.runCommand "unzip-busybox" { meta.mainProgram = "unzip"; } ''
    mkdir -p $out/bin
    ln -s ${final.busybox}/bin/unzip $out/bin/unzip
  '';
  # pkgs/build-support/setup-hooks/auto-patchelf.sh: no patchelf here; wheels whose
  # compiled parts need nix's libraries are not supported by the stand-in
  autoPatchelfHook = noHook "auto-patchelf-hook";
  darwinMinVersionHook = null;
  pkg-config = noHook "pkg-config";
  gnumake = final.runCommand "gnumake-busybox" { meta.mainProgram = "make"; } ''
    mkdir -p $out/bin
    ln -s ${final.busybox}/bin/make $out/bin/make
  '';
  gnused = final.runCommand "gnused-busybox" { meta.mainProgram = "sed"; } ''
    mkdir -p $out/bin
    ln -s ${final.busybox}/bin/sed $out/bin/sed
  '';
}
