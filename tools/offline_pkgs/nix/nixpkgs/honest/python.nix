# Stand-ins for nixpkgs' CPython interpreters (pkgs/development/interpreters/python/
# cpython/default.nix with its passthru from python/passthrufun.nix): the passthru
# attributes the real pyproject.nix and uv2nix read (pythonVersion, sitePackages,
# interpreter, executable, implementation, sourceVersion, pythonOnBuildForHost, stdenv,
# pythonOlder/pythonAtLeast, isPy3k, pkgs, ...).
#
# `mkHostPython` wraps the host's interpreter copied into the repository by
# make_offline_pkgs.py (bootstrap/python: the binary, its shared libraries and loader, the
# standard library): bin/python3.X is a small compiled launcher (built with the stdenv's
# host cc) that runs the copied loader on the copied binary with `--argv0 <its argv[0]>`,
# so a virtualenv's bin/python finds its pyvenv.cfg as with a real interpreter. `mkEvalPython` is for the other versions: it evaluates like the real
# one, and its bin/python3.X says it is a stand-in and exits 127 when run.
{ lib, final }:
let
  passthruFor = { self, version, implementation ? "cpython" }:
    let
      parts = lib.splitVersion version;
      major = builtins.elemAt parts 0;
      minor = builtins.elemAt parts 1;
      pythonVersion = "${major}.${minor}";
    in
    {
      inherit version implementation pythonVersion;
      pname = "python3";
      executable = "python${pythonVersion}";
      interpreter = "${self}/bin/python${pythonVersion}";
      libPrefix = "python${pythonVersion}";
      sitePackages = "lib/python${pythonVersion}/site-packages";
      sourceVersion = { inherit major minor; patch = builtins.elemAt parts 2; suffix = ""; };
      pythonABITags = [ "none" "any" "abi3" "cp${major}${minor}" ];
      isPy3k = true;
      isPy2 = false;
      isPy3 = true;
      isPyPy = false;
      pythonOlder = lib.versionOlder pythonVersion;
      pythonAtLeast = lib.versionAtLeast pythonVersion;
      pythonOnBuildForHost = self;
      pythonForBuild = self;
      inherit (final) stdenv;
      # the hooks-only stand-in of nixpkgs' Python package set (./python-packages.nix)
      pkgs = import ./python-packages.nix { inherit lib; };
      withPackages = _: throw "python.withPackages is not in the offline stand-in";
      buildEnv = throw "python.buildEnv is not in the offline stand-in";
      hasDistutilsCxxPatch = true;
      isPython3 = true;
      doc = null;
    };

  withPassthru = drv: pt: drv // pt // { passthru = pt; };
in
{
  mkEvalPython = version:
    let
      pv = lib.versions.majorMinor version;
      drv = final.runCommand "python3-${version}" { } ''
        mkdir -p $out/bin $out/lib/python${pv}/site-packages
        cat > $out/bin/python${pv} <<'EOS'
        #!${final.bash}/bin/bash
        echo "python${pv}: an evaluation stand-in of the offline nixpkgs (only the host's Python runs)" >&2
        exit 127
        EOS
        chmod 0555 $out/bin/python${pv}
        ln -s python${pv} $out/bin/python3
        ln -s python${pv} $out/bin/python
      '';
      self = withPassthru drv (passthruFor { inherit self version; });
    in
    self;

  mkHostPython = { version, bootstrap }:
    let
      pv = lib.versions.majorMinor version;
      drv = final.runCommand "python3-${version}" { } ''
        mkdir -p $out/bin $out/lib
        cp -r ${bootstrap}/lib/. $out/lib/
        cp ${bootstrap}/bin/python${pv} $out/bin/.python${pv}-real
        chmod -R u+w $out
        mkdir -p $out/lib/python${pv}/site-packages
        # a compiled launcher (as nixpkgs' makeBinaryWrapper): the copied loader runs the
        # copied binary with the caller's argv[0], which a virtualenv's wrapper sets
        cc -O2 -o $out/bin/python${pv} -x c - <<EOS
        #include <stdlib.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
          char **args = malloc(sizeof(char *) * (argc + 7));
          int n = 0;
          args[n++] = "$out/lib/ld-linux-x86-64.so.2";
          args[n++] = "--library-path";
          args[n++] = "$out/lib";
          args[n++] = "--argv0";
          args[n++] = argv[0];
          args[n++] = "$out/bin/.python${pv}-real";
          for (int i = 1; i < argc; i++) args[n++] = argv[i];
          args[n] = 0;
          execv(args[0], args);
          return 127;
        }
        EOS
        chmod 0555 $out/bin/python${pv}
        ln -s python${pv} $out/bin/python3
        ln -s python${pv} $out/bin/python
      '';
      self = withPassthru drv (passthruFor { inherit self version; });
    in
    self;
}
