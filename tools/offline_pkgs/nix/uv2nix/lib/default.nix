# uv2nix stand-in: lib.workspace.loadWorkspace { workspaceRoot = ./dir; } reads
# workspaceRoot/uv.lock with builtins.fromTOML and gives
#   mkPyprojectOverlay { sourcePreference = "wheel" | "sdist"; }   an overlay for the
#       pyproject-nix stand-in's package set with one description per locked package
#       (source: "workspace" for members, else "wheel" when preferred and the lock lists
#       wheels, else "sdist")
#   mkEditablePyprojectOverlay { root = "$REPO_ROOT"; }   marks workspace members editable
#   deps.default   member -> [ ]          deps.all   member -> all its extras
# Workspace members are the locked packages whose source is `editable` or `virtual`.
let
  toDeps = list: builtins.listToAttrs
    (map (d: { name = d.name; value = d.extra or [ ]; }) list);

  standIn = attrs: attrs // {
    overrideAttrs = f: standIn (attrs // (if builtins.isFunction f then f attrs else f));
  };

  loadWorkspace = { workspaceRoot, ... }:
    let
      lock = builtins.fromTOML (builtins.readFile (workspaceRoot + "/uv.lock"));
      packages = lock.package or [ ];
      isMember = p: (p.source or { }) ? editable || (p.source or { }) ? virtual;
      members = builtins.filter isMember packages;
      memberNames = map (p: p.name) members;
      describe = sourcePreference: p: standIn {
        pname = p.name;
        version = p.version or "0.0.0";
        source =
          if isMember p then "workspace"
          else if sourcePreference == "wheel" && p ? wheels then "wheel"
          else if p ? sdist then "sdist"
          else "wheel";
        editable = null;
        dependencies = toDeps (p.dependencies or [ ]);
        optional-dependencies = builtins.mapAttrs (_: toDeps) (p.optional-dependencies or { });
      };
    in
    {
      mkPyprojectOverlay = { sourcePreference, ... }:
        if !(builtins.elem sourcePreference [ "wheel" "sdist" ])
        then throw "uv2nix stand-in: sourcePreference must be \"wheel\" or \"sdist\", not ${builtins.toJSON sourcePreference}"
        else final: prev: builtins.listToAttrs
          (map (p: { name = p.name; value = describe sourcePreference p; }) packages);

      mkEditablePyprojectOverlay = { root, members ? memberNames }:
        final: prev: builtins.listToAttrs (map
          (m: { name = m; value = prev.${m}.overrideAttrs { editable = root; }; })
          members);

      deps = {
        default = builtins.listToAttrs (map (m: { name = m; value = [ ]; }) memberNames);
        all = builtins.listToAttrs (map
          (p: { name = p.name; value = builtins.attrNames (p.optional-dependencies or { }); })
          members);
      };
    };
in
{
  workspace = { inherit loadWorkspace; };
}
