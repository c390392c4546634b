          # the backend uv2nix leaves out, only where it builds from source
          withBackend = name: requires:
            prev.${name}.overrideAttrs (old: {
              nativeBuildInputs = (old.nativeBuildInputs or [ ]) ++ (
                if (old.passthru.format or "pyproject") == "pyproject"
                then final.resolveBuildSystem (pkgs.lib.filterAttrs (n: _: final ? ${n}) requires)
                else [ ]);
            });
          # a git checkout is fetched at evaluation (builtins.fetchGit): read its backend
          fromCheckout = drv:
            let
              file = "${drv.src}/pyproject.toml";
              requires =
                if builtins.pathExists file
                then (builtins.fromTOML (builtins.readFile file)).build-system.requires
                  or [ "setuptools" "wheel" ]
                else [ "setuptools" "wheel" ];
            in
            builtins.listToAttrs (map (r: {
              name = (inputs.pyproject-nix.lib.pep508.parseString r).name;
              value = [ ];
            }) requires);
