# The package set of the offline nixpkgs stand-in.
#
# SURFACE (keep it exactly what the generated flake uses; extend it together with the
# renderer, never "just in case"):
#   lib                        ./lib.nix
#   runCommand name env script script under busybox sh, `set -e -o pipefail`, PATH =
#                              bin/ of env.nativeBuildInputs ++ env.buildInputs ++ busybox
#   callPackage fn args        fn: function or path; auto-arguments from the package set
#   mkShell { packages, nativeBuildInputs, buildInputs, shellHook, ... }   (nix develop)
#   xorg.lndir                 bin/lndir
#   busybox                    bin/busybox + a symlink per applet
#   coreutils                  the coreutils command names busybox has, as applet links
#   bashInteractive            bin/bash (bash-static), bin/sh -> bash
#   cacert                     etc/ssl/certs/ca-bundle.crt (a comment line, no certificates)
#   python3 python39 python310 python311 python312 python313
#                              interpreter stand-ins for pyproject-nix: passthru
#                              pythonVersion, version, sitePackages, executable,
#                              interpreter; bin/python3.X runs the host's /usr/bin/python3
#                              when the container binds the host's /usr (else exits 127)
# Test packages:
#   hello            bin/hello: "Hello, world!"; --version: "hello (GNU hello) 2.12.1"
#   cowsay           bin/cowsay: its arguments in a box
#   tools.nested.hello2  bin/hello2 (an attribute path with dots)
#   failing          build prints "building failing..." and 20 numbered lines, then fails
#   slow             build sleeps 20 s, then succeeds
#   unfree-tool      meta.license unfree: throws unless config.allowUnfree = true
#   insecure-tool    meta.knownVulnerabilities: throws unless "insecure-tool-1.0" is in
#                    config.permittedInsecurePackages
#
# Every derivation runs a static binary from ./bootstrap by absolute store path, and every
# installed script has an absolute `#!/nix/store/...-busybox-.../bin/sh` shebang, so they
# work inside a container whose / is a rootfs symlink forest over a read-only /nix/store.
{ lib, system, config, final }:
let
  versions = import ./bootstrap/versions.nix;

  # Each static binary alone in its own store path: busybox picks its applet from argv[0]
  # and nix passes the builder's file name as argv[0], so the builder must be named
  # exactly "busybox" (a plain `${./bootstrap/busybox}` would be "<hash>-busybox").
  bootstrapBusybox = builtins.path {
    name = "bootstrap-busybox";
    path = ./bootstrap;
    filter = path: type: baseNameOf path == "busybox";
  };
  bootstrapBash = builtins.path {
    name = "bootstrap-bash";
    path = ./bootstrap;
    filter = path: type: baseNameOf path == "bash";
  };
  bb = "${bootstrapBusybox}/busybox";

  shebang = "#!${final.busybox}/bin/sh\n";

  # nixpkgs' check-meta, reduced to the two rules the generated flake configures.
  checkMeta = drv:
    let
      meta = drv.meta or { };
      unfree = !((meta.license or { }).free or true);
      insecure = (meta.knownVulnerabilities or [ ]) != [ ];
    in
    if unfree && !(config.allowUnfree or false) then
      throw "unfree package ${drv.pname} refused; set allowUnfree"
    else if insecure && !(builtins.elem drv.name (config.permittedInsecurePackages or [ ])) then
      throw "insecure package ${drv.name} refused; add \"${drv.name}\" to permittedInsecurePackages"
    else
      drv;

  # A package whose bin/ holds the given scripts (name -> text, shebang included).
  mkScripts = { pname, version, bins, meta ? { }, passthru ? { }, extraCommands ? "" }:
    let
      names = builtins.attrNames bins;
      idx = builtins.genList (i: i) (builtins.length names);
      scriptVars = builtins.listToAttrs (map
        (i: { name = "script${toString i}"; value = bins.${builtins.elemAt names i}; })
        idx);
    in
    final.runCommand "${pname}-${version}"
      (scriptVars // { inherit pname version meta passthru; })
      ''
        mkdir -p "$out/bin"
        ${lib.concatMapStrings (i: let n = builtins.elemAt names i; in ''
          printf '%s' "$script${toString i}" > "$out/bin/${n}"
          chmod 0555 "$out/bin/${n}"
        '') idx}
        ${extraCommands}
      '';

  coreutilsNames = [
    "[" "b2sum" "base32" "base64" "basename" "basenc" "cat" "chcon" "chgrp" "chmod"
    "chown" "chroot" "cksum" "comm" "cp" "csplit" "cut" "date" "dd" "df" "dir"
    "dircolors" "dirname" "du" "echo" "env" "expand" "expr" "factor" "false" "fmt" "fold"
    "groups" "head" "hostid" "id" "install" "join" "link" "ln" "logname" "ls" "md5sum"
    "mkdir" "mkfifo" "mknod" "mktemp" "mv" "nice" "nl" "nohup" "nproc" "numfmt" "od"
    "paste" "pathchk" "pinky" "pr" "printenv" "printf" "ptx" "pwd" "readlink" "realpath"
    "rm" "rmdir" "runcon" "seq" "sha1sum" "sha224sum" "sha256sum" "sha384sum" "sha512sum"
    "shred" "shuf" "sleep" "sort" "split" "stat" "stdbuf" "stty" "sum" "sync" "tac"
    "tail" "tee" "test" "timeout" "touch" "tr" "true" "truncate" "tsort" "tty" "uname"
    "unexpand" "uniq" "unlink" "users" "vdir" "wc" "who" "whoami" "yes"
  ];

  mkPython = version:
    let
      parts = builtins.splitVersion version;
      short = "${builtins.elemAt parts 0}.${builtins.elemAt parts 1}";
      exe = "python${short}";
      drv = mkScripts {
        pname = "python3-standin";
        inherit version;
        bins.${exe} = shebang + ''
          # Stand-in for CPython ${version}: runs the host's interpreter when the container
          # binds the host's /usr read-only; there is no Python in the offline package set.
          for candidate in /usr/bin/${exe} /usr/bin/python3; do
            if [ -x "$candidate" ]; then exec "$candidate" "$@"; fi
          done
          if [ "$1" = "--version" ] || [ "$1" = "-V" ]; then
            echo "Python ${version} (stand-in)"
            exit 0
          fi
          echo "${exe} stand-in: no host interpreter at /usr/bin/python3 (bind the host's /usr)" >&2
          exit 127
        '';
        extraCommands = ''
          ln -s ${exe} "$out/bin/python3"
          ln -s ${exe} "$out/bin/python"
        '';
        passthru = {
          pythonVersion = short;
          sitePackages = "lib/python${short}/site-packages";
          executable = exe;
        };
      };
    in
    drv // { interpreter = "${drv}/bin/${exe}"; };
in
{
  inherit lib;

  # the two static binaries, each alone in its store path (the honest layer's stdenv
  # builds with them, so that it does not depend on derivations made with runCommand)
  bootstrapTools = { busybox = bootstrapBusybox; bash = bootstrapBash; };

  runCommand = name: env: buildCommand:
    let
      inputs = (env.nativeBuildInputs or [ ]) ++ (env.buildInputs or [ ]);
      drv = derivation ((builtins.removeAttrs env [ "passthru" "meta" ]) // {
        inherit name system buildCommand;
        builder = "${final.busybox}/bin/sh";
        args = [ "-c" "set -e -o pipefail; eval \"$buildCommand\"" ];
        PATH = lib.makeBinPath (inputs ++ [ final.busybox ]);
      });
    in
    drv // (env.passthru or { }) // { meta = env.meta or { }; };

  callPackage = fn: args:
    let
      f = if builtins.isFunction fn then fn else import fn;
      result = f (builtins.intersectAttrs (builtins.functionArgs f) final // args);
    in
    if builtins.isAttrs result
    then result // { override = newArgs: final.callPackage fn (args // newArgs); }
    else result;

  # `nix develop` replaces `args` by its get-env.sh and requires a builder named "bash";
  # PATH (from the packages) is what it hands to the shell. No stdenv: get-env.sh only
  # sources $stdenv/setup when $stdenv is set.
  mkShell =
    { name ? "nix-shell"
    , packages ? [ ]
    , nativeBuildInputs ? [ ]
    , buildInputs ? [ ]
    , shellHook ? ""
    , passthru ? { }
    , meta ? { }
    , ...
    }@attrs:
    let
      rest = builtins.removeAttrs attrs [
        "name" "packages" "nativeBuildInputs" "buildInputs" "shellHook" "passthru" "meta"
      ];
      native = packages ++ nativeBuildInputs;
      drv = derivation (rest // {
        inherit name system shellHook buildInputs;
        nativeBuildInputs = native;
        builder = "${final.bashInteractive}/bin/bash";
        args = [
          "-e"
          "-c"
          ''
            { echo "------------------------------------------------------------"
              echo " WARNING: the existence of this path is not guaranteed."
              echo " It is an internal implementation detail for pkgs.mkShell."
              echo "------------------------------------------------------------"
              echo
              export
            } >> "$out"
          ''
        ];
        outputs = [ "out" ];
        PATH = lib.makeBinPath (native ++ buildInputs ++ [ final.coreutils ]);
      });
    in
    drv // passthru // { inherit meta; };

  busybox = derivation {
    name = "busybox-${versions.busybox}";
    pname = "busybox";
    version = versions.busybox;
    inherit system;
    builder = bb;
    args = [
      "sh"
      "-e"
      "-c"
      ''
        ${bb} mkdir -p "$out/bin"
        ${bb} cp ${bb} "$out/bin/busybox"
        for applet in $("$out/bin/busybox" --list); do
          if [ "$applet" != busybox ]; then ${bb} ln -s "$out/bin/busybox" "$out/bin/$applet"; fi
        done
      ''
    ];
  };

  coreutils = final.runCommand "coreutils-busybox-${versions.busybox}" { } ''
    mkdir -p "$out/bin"
    for c in ${lib.concatMapStrings (c: lib.escapeShellArg c + " ") coreutilsNames}; do
      if [ -e "${final.busybox}/bin/$c" ]; then ln -s "${final.busybox}/bin/busybox" "$out/bin/$c"; fi
    done
  '';

  bashInteractive = final.runCommand "bash-interactive-${versions.bash}"
    {
      pname = "bash-interactive";
      version = versions.bash;
      passthru.shellPath = "/bin/bash";
    }
    ''
      mkdir -p "$out/bin"
      cp ${bootstrapBash}/bash "$out/bin/bash"
      chmod 0555 "$out/bin/bash"
      ln -s bash "$out/bin/sh"
    '';

  cacert = final.runCommand "nss-cacert-standin" { } ''
    mkdir -p "$out/etc/ssl/certs"
    echo "# offline nixpkgs stand-in: no certificates" > "$out/etc/ssl/certs/ca-bundle.crt"
  '';

  xorg = {
    lndir = final.runCommand "lndir-1.0.5-standin" { pname = "lndir"; version = "1.0.5"; } ''
      mkdir -p "$out/bin"
      sed -e "s|@shell@|${final.busybox}/bin/sh|" -e "s|@bin@|${final.busybox}/bin|" \
        ${./lndir.sh} > "$out/bin/lndir"
      chmod 0555 "$out/bin/lndir"
    '';
  };

  python39 = mkPython "3.9.19";
  python310 = mkPython "3.10.14";
  python311 = mkPython "3.11.9";
  python312 = mkPython "3.12.4";
  python313 = mkPython "3.13.0";
  python3 = final.python312;

  hello = mkScripts {
    pname = "hello";
    version = "2.12.1";
    meta.mainProgram = "hello";
    bins.hello = shebang + ''
      case "$1" in
        "") echo "Hello, world!" ;;
        --version|-v) echo "hello (GNU hello) 2.12.1" ;;
        --help|-h) echo "Usage: hello [OPTION]..."; echo "Print a friendly, customizable greeting." ;;
        -g|--greeting) echo "$2" ;;
        *) echo "hello: unrecognized option '$1'" >&2; exit 1 ;;
      esac
    '';
  };

  cowsay = mkScripts {
    pname = "cowsay";
    version = "3.7.0";
    meta.mainProgram = "cowsay";
    bins.cowsay = shebang + ''
      msg="$*"
      border=""
      i=0
      while [ "$i" -lt "$((''${#msg} + 2))" ]; do border="$border-"; i=$((i + 1)); done
      echo " $border"
      echo "< $msg >"
      echo " $border"
      echo '        \   ^__^'
      echo '         \  (oo)\_______'
      echo '            (__)\       )\/\'
      echo '                ||----w |'
      echo '                ||     ||'
    '';
  };

  tools.nested.hello2 = mkScripts {
    pname = "hello2";
    version = "1.0";
    meta.mainProgram = "hello2";
    bins.hello2 = shebang + ''
      echo "Hello from tools.nested.hello2!"
    '';
  };

  failing = final.runCommand "failing-1.0" { } ''
    echo "building failing..."
    i=1
    while [ "$i" -le 20 ]; do
      echo "failing: log line $i"
      i=$((i + 1))
    done
    echo "failing: error: this package always fails" >&2
    exit 1
  '';

  slow = final.runCommand "slow-1.0" { } ''
    echo "building slow..."
    sleep 20
    mkdir -p "$out/bin"
    printf '%s' ${lib.escapeShellArg (shebang + "echo slow done\n")} > "$out/bin/slow"
    chmod 0555 "$out/bin/slow"
  '';

  unfree-tool = checkMeta (mkScripts {
    pname = "unfree-tool";
    version = "1.0";
    meta = { license = { free = false; shortName = "unfree"; }; mainProgram = "unfree-tool"; };
    bins.unfree-tool = shebang + ''
      echo "unfree-tool 1.0 (stand-in)"
    '';
  });

  insecure-tool = checkMeta (mkScripts {
    pname = "insecure-tool";
    version = "1.0";
    meta = { knownVulnerabilities = [ "CVE-0000-0000 (stand-in)" ]; mainProgram = "insecure-tool"; };
    bins.insecure-tool = shebang + ''
      echo "insecure-tool 1.0 (stand-in)"
    '';
  });
}
