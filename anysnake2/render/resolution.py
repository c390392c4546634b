"""What the resolve steps decided, as the renderer's second input."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .._frozen import FrozenMap

__all__ = ["Resolution"]


@dataclass(frozen=True)
class Resolution:
    """Decisions the renderer must not make itself.

    `revisions`: flake input name (`nixpkgs`, `rust-overlay`, `nixR`, `r_ecosystem_track`,
    `uv2nix`, `pyproject-nix`, `build-system-pkgs`, or a `[flakes.<name>]` name) → the full
    revision a tag, branch or missing rev was resolved to. `python_lock`: a folder holding
    `pyproject.toml` and `uv.lock` (the Python lock workspace), copied to
    `.anysnake2_flake/uv/`. `offline`: resolution could not use the network.
    `build_requires`: locked package → the build requirements the flake must add
    (`build_systems.build_requires` of the lock; `GIT` = read from the checkout).
    `local_sources`: the files of the lock's local sources (`sources/...` relative to
    `python_lock` → file; `resolve.local_sources.source_files`), copied beside the lock.
    """

    revisions: FrozenMap[str, str] = field(default_factory=FrozenMap)
    python_lock: Path | None = None
    offline: bool = False
    build_requires: FrozenMap[str, tuple[str, ...]] = field(default_factory=FrozenMap)
    local_sources: FrozenMap[str, Path] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        for name in ("revisions", "build_requires", "local_sources"):
            if not isinstance(getattr(self, name), FrozenMap):
                object.__setattr__(self, name, FrozenMap(getattr(self, name)))
        if self.python_lock is not None:
            object.__setattr__(self, "python_lock", Path(self.python_lock))
