"""Everything that starts a process: nix builds, container runtimes, hooks, clones."""
