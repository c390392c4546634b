# nixR stand-in: `R_by_date { date; r_pkg_names ? [ ]; nix_pkgs_pkgs ? null;
#   packageOverrideAttrs ? { }; r_dependency_overrides ? { }; additional_packages ? { }; }`
#
# Returns a derivation with
#   bin/R, bin/Rscript   `R --version` prints "R version 4.4.0 (stand-in) date=<date>";
#                        `R -e EXPR` (and `Rscript -e EXPR`) print the expression and
#                        "packages: <names>"
#   lib/R/library/<pkg>/DESCRIPTION   for every name in r_pkg_names and additional_packages
#   lib/R/nixR-args.json              the date and the names of the overrides it was given
# and passthru `rPackages` (name -> package, each a derivation with its DESCRIPTION) and
# `buildInputs` (the requested packages).
{ date
, r_pkg_names ? [ ]
, nix_pkgs_pkgs ? null
, packageOverrideAttrs ? { }
, r_dependency_overrides ? { }
, additional_packages ? { }
}:
let
  pkgs =
    if nix_pkgs_pkgs == null
    then throw "nixR stand-in: pass nix_pkgs_pkgs (the stand-in has no nixpkgs of its own)"
    else nix_pkgs_pkgs;
  lib = pkgs.lib;
  names = lib.unique (r_pkg_names ++ builtins.attrNames additional_packages);
  description = name: ''
    Package: ${name}
    Version: 0.0.0-${date}
    Title: stand-in for the R package ${name}
  '';
  rPackages = lib.genAttrs names (name:
    pkgs.runCommand "r-${name}-${date}" { inherit name; description = description name; } ''
      mkdir -p "$out/library/${name}"
      printf '%s' "$description" > "$out/library/${name}/DESCRIPTION"
    '');
  nixrArgs = builtins.toJSON {
    inherit date;
    r_pkg_names = names;
    packageOverrideAttrs = builtins.attrNames packageOverrideAttrs;
    r_dependency_overrides = builtins.attrNames r_dependency_overrides;
    additional_packages = builtins.attrNames additional_packages;
  };
  R = ''
    #!${pkgs.busybox}/bin/sh
    case "$1" in
      --version) echo "R version 4.4.0 (stand-in) date=${date}" ;;
      -e) echo "R stand-in evaluating: $2"; echo "packages: ${toString names}" ;;
      *) echo "R stand-in date=${date}"; echo "packages: ${toString names}" ;;
    esac
  '';
in
pkgs.runCommand "R-4.4.0-standin-${date}"
{
  inherit R nixrArgs;
  passthru = {
    inherit rPackages;
    buildInputs = map (n: rPackages.${n}) names;
  };
}
  ''
    mkdir -p "$out/bin" "$out/lib/R/library"
    printf '%s' "$R" > "$out/bin/R"
    printf '%s' "$R" > "$out/bin/Rscript"
    chmod 0555 "$out/bin/R" "$out/bin/Rscript"
    printf '%s\n' "$nixrArgs" > "$out/lib/R/nixR-args.json"
    ${lib.concatMapStrings (n: ''
      mkdir -p "$out/lib/R/library/${n}"
      printf '%s' ${lib.escapeShellArg (description n)} > "$out/lib/R/library/${n}/DESCRIPTION"
    '') names}
  ''
