"""Render a project into the files of `.anysnake2_flake/` (pure: model + resolution in).

- `nix`: the Nix value printer (`RawNix`, string escaping, attribute names);
- `resolution`: what the resolve steps decided (`Resolution`);
- `defaults`: default revisions of the helper flake inputs;
- `flake`: `render_flake(project, resolution, root=...)` → `RenderedFlake`;
- `write`: `write_flake_dir(root, rendered)` writes and `git add`s the flake directory.
"""

__all__: list[str] = []
