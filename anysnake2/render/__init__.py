"""Render a project into the files of `.anysnake2_flake/` (pure: model + resolution in).

- `nix`: the Nix value printer (`RawNix`, string escaping, attribute names);
- `resolution`: what the resolve steps decided (`Resolution`);
- `flake`: `render_flake(project, resolution, root=...)` → `RenderedFlake`;
- `rootfs`: the rootfs builder script;
- `python`: the Python part (uv2nix, build-system-pkgs, override collection, rpy2);
- `support`: `check_supported`, configs the pinned helper flakes cannot build (65);
- `uvlock`: the lock copy in the form every uv2nix revision reads.

Writing the files and `git add` are `runtime.flake_dir`'s; parse-checking Nix code with
`nix-instantiate` is `runtime.nix_check`'s.
"""

__all__: list[str] = []
