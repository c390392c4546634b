# pyproject-nix stand-in: the Python package set of `build.packages`.
#
#   pythonSet = pkgs.callPackage pyproject-nix.build.packages { python = pkgs.python312; };
#   pythonSet' = pythonSet.overrideScope (lib.composeManyExtensions [ overlays... ]);
#   pythonSet'.mkVirtualEnv "name" { pkg = [ "extra" ... ]; ... }
#
# Packages in the set are plain descriptions made by the uv2nix and build-system-pkgs
# stand-ins: { pname; version; source ("wheel" | "sdist" | "workspace"); editable (null or
# the editable root); dependencies (name -> extras); optional-dependencies (extra -> name
# -> extras); overrideAttrs }. The real ones are derivations built from wheels and sdists.
#
# mkVirtualEnv walks dependencies and requested extras from the given roots (markers are
# ignored: every dependency counts) and writes one derivation with
#   pyvenv.cfg, bin/python{,3,3.X} -> the interpreter,
#   lib/python3.X/site-packages/<module>/__init__.py   (__version__ = "<version>")
#   lib/python3.X/site-packages/<module>-<version>.dist-info/{METADATA,INSTALLER}
#     (INSTALLER names the source the package was taken from)
#   lib/python3.X/site-packages/_<module>_editable.pth   (editable packages: their root)
{ lib, runCommand, python }:
let
  moduleName = name: builtins.replaceStrings [ "-" "." ] [ "_" "_" ] name;

  base = final: {
    inherit python;

    mkVirtualEnv = name: deps:
      let
        pkgOf = n: final.${n} or (throw
          "mkVirtualEnv: '${n}' is not in the Python package set (missing from uv.lock?)");
        nodes = ds: builtins.concatMap
          (n: [{ key = n; pkg = n; extra = null; }]
            ++ map (e: { key = "${n}[${e}]"; pkg = n; extra = e; }) ds.${n})
          (builtins.attrNames ds);
        closure = builtins.genericClosure {
          startSet = nodes deps;
          operator = item:
            let p = pkgOf item.pkg; in
            nodes (if item.extra == null
              then p.dependencies or { }
              else (p.optional-dependencies or { }).${item.extra} or { });
        };
        names = builtins.sort builtins.lessThan
          (map (i: i.pkg) (builtins.filter (i: i.extra == null) closure));
        sp = "$out/${python.sitePackages}";
        install = n:
          let
            p = pkgOf n;
            mod = moduleName n;
            dist = "${sp}/${mod}-${p.version}.dist-info";
            editable = p.editable or null;
          in
          ''
            mkdir -p "${dist}"
            printf 'Metadata-Version: 2.1\nName: %s\nVersion: %s\n' ${lib.escapeShellArg n} ${lib.escapeShellArg p.version} > "${dist}/METADATA"
            printf '%s\n' ${lib.escapeShellArg (if editable != null then "editable" else p.source or "wheel")} > "${dist}/INSTALLER"
          ''
          + (if editable != null then ''
            printf '%s\n' ${lib.escapeShellArg editable} > "${sp}/_${mod}_editable.pth"
          '' else ''
            mkdir -p "${sp}/${mod}"
            printf '__version__ = "%s"\n' ${lib.escapeShellArg p.version} > "${sp}/${mod}/__init__.py"
          '');
      in
      runCommand name { passthru = { inherit python; packages = names; }; } ''
        mkdir -p "$out/bin" "${sp}"
        printf 'home = %s\ninclude-system-site-packages = false\nversion = %s\n' \
          "${python}/bin" ${lib.escapeShellArg python.version} > "$out/pyvenv.cfg"
        for link in python python3 python${python.pythonVersion}; do
          ln -s "${python.interpreter}" "$out/bin/$link"
        done
        ${lib.concatMapStrings install names}
      '';
  };

  mkSet = overlay:
    lib.fix (lib.extends overlay base) // {
      overrideScope = f: mkSet (lib.composeExtensions overlay f);
    };
in
mkSet (final: prev: { })
