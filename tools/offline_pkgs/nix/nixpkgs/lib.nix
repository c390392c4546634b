# Stand-in for nixpkgs' `lib`: the functions the generated flake uses, plus the few
# helpers the other stand-ins (rust-overlay, nixR, pyproject-nix) need. Each one
# behaves like its namesake in nixpkgs/lib for the arguments used here.
#
# Used by the generated flake: fix extends composeManyExtensions foldl' attrNames
#   optionalString concatStringsSep genAttrs makeBinPath
# Used by the stand-ins: composeExtensions concatMapStrings escapeShellArg optional
#   optionals optionalAttrs mapAttrs attrValues unique
let
  lib = {
    # Fixed point of a function: `fix (self: { a = 1; b = self.a + 1; })`.
    fix = f: let x = f x; in x;

    # Apply an overlay to a fixed-point function (as nixpkgs' lib.fixedPoints.extends).
    extends = overlay: f: final: let prev = f final; in prev // overlay final prev;

    # Compose two overlays into one: `g` sees what `f` produced as `prev`.
    composeExtensions = f: g: final: prev:
      let
        fApplied = f final prev;
        prev' = prev // fApplied;
      in
      fApplied // g final prev';

    # Compose a list of overlays, first one applied first.
    composeManyExtensions = builtins.foldl' lib.composeExtensions (final: prev: { });

    "foldl'" = builtins.foldl';
    attrNames = builtins.attrNames;
    attrValues = builtins.attrValues;
    mapAttrs = builtins.mapAttrs;
    concatStringsSep = builtins.concatStringsSep;

    concatMapStrings = f: list: builtins.concatStringsSep "" (map f list);

    optional = cond: x: if cond then [ x ] else [ ];
    optionals = cond: xs: if cond then xs else [ ];
    optionalString = cond: s: if cond then s else "";
    optionalAttrs = cond: as: if cond then as else { };

    genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);

    unique = builtins.foldl' (acc: x: if builtins.elem x acc then acc else acc ++ [ x ]) [ ];

    # "${pkg}/bin" for every non-null package (its `bin` output when it has one), joined by ':'.
    makeBinPath = pkgs:
      builtins.concatStringsSep ":"
        (map (p: "${p.bin or p.out or p}/bin") (builtins.filter (p: p != null) pkgs));

    # Quote a string for a POSIX shell.
    escapeShellArg = arg: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] (toString arg) + "'";
  };
in
lib
