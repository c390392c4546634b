"""Names shared by the model and the warm path (no imports: the warm path loads this)."""

__all__ = ["RESERVED_COMMANDS", "RESERVED_FLAKE_NAMES"]

# Built-in commands of the CLI: a [cmd.<name>] may not take one of these names.
RESERVED_COMMANDS = (
    "attach",
    "build",
    "check",
    "completion",
    "config",
    "convert",
    "develop",
    "help",
    "jobs",
    "kernel",
    "lock",
    "run",
    "submit",
    "upgrade",
    "version",
)

# Inputs the generated flake has itself (nixpkgs, the helper flakes, `self`): a
# [flakes.<name>] may not take one of these names (tests keep this in step with render).
RESERVED_FLAKE_NAMES = (
    "build-system-pkgs",
    "flake-utils",
    "nixR",
    "nixpkgs",
    "nixpkgs-lib",
    "pyproject-nix",
    "r_ecosystem_track",
    "rust-overlay",
    "self",
    "uv2nix",
    "uv2nix_hammer_overrides",
)
