# rust-overlay stand-in: `pkgs.rust-bin` with the attribute names of oxalica/rust-overlay.
#
#   rust-bin.stable."1.55.0".minimal / .default     (also "1.80.0"; stable.latest = 1.80.0)
#   rust-bin.nightly."<YYYY-MM-DD>".minimal / .default   (any date 2015-01-01 .. 2030-12-31;
#                                                        nightly.latest = 2024-08-01)
#   <toolchain>.override { extensions = [ ... ]; targets = [ ... ]; }
#
# A toolchain is a tiny package: bin/cargo and bin/rustc print "cargo 1.55.0 (stand-in)" /
# "rustc 1.55.0 (stand-in)"; rustfmt and clippy (part of the default profile, or asked
# for as extensions) add bin/rustfmt, bin/cargo-clippy and bin/clippy-driver;
# lib/rustlib/components lists every component, lib/rustlib/targets every target.
final: prev:
let
  lib = prev.lib;
  stable = [ "1.55.0" "1.80.0" ];
  nightlyVersion = "1.82.0";
  profiles = {
    minimal = [ "rustc" "cargo" "rust-std" ];
    default = [ "rustc" "cargo" "rust-std" "rust-docs" "rustfmt" "clippy" ];
  };

  pad = n: if n < 10 then "0${toString n}" else toString n;
  leap = y: (y - (y / 4) * 4 == 0 && y - (y / 100) * 100 != 0) || y - (y / 400) * 400 == 0;
  daysIn = y: m:
    if m == 2 then (if leap y then 29 else 28)
    else if builtins.elem m [ 4 6 9 11 ] then 30
    else 31;
  dates = builtins.concatMap
    (y: builtins.concatMap
      (m: builtins.genList (d: "${toString y}-${pad m}-${pad (d + 1)}") (daysIn y m))
      (builtins.genList (i: i + 1) 12))
    (builtins.genList (i: 2015 + i) 16);

  mkToolchain = { version, date ? null, profile, extensions ? [ ], targets ? [ ] }@args:
    let
      label = if date == null then version else "${version}-nightly-${date}";
      shown = if date == null then "${version} (stand-in)" else "${version}-nightly (stand-in ${date})";
      components = lib.unique (profiles.${profile} ++ extensions);
      has = c: builtins.elem c components;
      script = tool: ''
        printf '%s\n' '#!${final.busybox}/bin/sh' 'echo "${tool} ${shown}"' > "$out/bin/${tool}"
        chmod 0555 "$out/bin/${tool}"
      '';
      drv = prev.runCommand "rust-${profile}-${label}"
        {
          passthru = { inherit version date profile extensions targets; };
        }
        ''
          mkdir -p "$out/bin" "$out/lib/rustlib"
          ${script "rustc"}
          ${script "cargo"}
          ${lib.optionalString (has "rustfmt") (script "rustfmt")}
          ${lib.optionalString (has "clippy") (script "cargo-clippy" + script "clippy-driver")}
          ${lib.optionalString (has "rust-analyzer") (script "rust-analyzer")}
          printf '%s\n' ${lib.concatMapStrings (c: lib.escapeShellArg c + " ") components} > "$out/lib/rustlib/components"
          printf '%s\n' ${lib.concatMapStrings (t: lib.escapeShellArg t + " ") targets} > "$out/lib/rustlib/targets"
        '';
    in
    drv // { override = newArgs: mkToolchain (args // newArgs); };

  channel = version: date: builtins.mapAttrs
    (profile: _: mkToolchain { inherit version date profile; })
    profiles;
in
{
  rust-bin = {
    stable = lib.genAttrs stable (v: channel v null) // { latest = channel "1.80.0" null; };
    nightly = lib.genAttrs dates (d: channel nightlyVersion d)
      // { latest = channel nightlyVersion "2024-08-01"; };
  };
}
