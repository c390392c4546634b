"""nix's global flags, the one place that knows them (light: the version restart uses it)."""

from __future__ import annotations

import os

__all__ = ["EMPTY_REGISTRY", "empty_registry", "global_flags"]

EMPTY_REGISTRY = '{"flakes": [], "version": 2}\n'


def empty_registry(folder: str) -> str:
    """The path of an empty flake registry file in `folder` (written when missing): every
    input is a full URL, and the global registry download costs seconds of retries without
    network."""
    path = os.path.join(folder, ".empty-registry.json")
    if not os.path.exists(path):
        from .atomic import write_atomic

        os.makedirs(folder, exist_ok=True)
        write_atomic(path, EMPTY_REGISTRY)
    return path


def global_flags(registry: str) -> list[str]:
    """Flakes enabled, the flake registry `registry` (a file), no dirty-tree warnings (the
    flake directory is git-added, never committed) and, offline (ANYSNAKE2_OFFLINE=1), no
    substituters."""
    flags = ["--extra-experimental-features", "nix-command flakes"]
    flags += ["--option", "flake-registry", registry, "--option", "warn-dirty", "false"]
    if os.environ.get("ANYSNAKE2_OFFLINE") == "1":
        flags += ["--offline", "--option", "substituters", ""]
    return flags
