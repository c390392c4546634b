"""Which locked Python packages need a build backend from us, and which one.

uv2nix gives a package built from source a build backend only when it is a local project
(`directory`/`editable` sources: it reads their `pyproject.toml` itself, with setuptools
where `[build-system]` is missing). Every other source built from source gets none (real
uv2nix `lib/build.nix`, the `remote` builder: only `pyprojectHook` plus
`tool.uv.extra-build-dependencies`): git sources, sdists from an index or a URL, and
archives at a path. `build_requires` lists those, for the renderer:

- a `git` source: `GIT` (its `pyproject.toml` is read by Nix from the fetched checkout at
  evaluation: `builtins.fetchGit` runs at evaluation, so this is no import from a
  derivation, and its `[build-system] requires` hold for the exact locked revision);
- a `path` source, an sdist URL, or an index package: its sdist is only unpacked at build
  time, so the backend cannot be read before: `FALLBACK` (setuptools and wheel, what pip
  assumes without `[build-system]`), applied only when uv2nix really builds it from
  source. The uv2nix_hammer_overrides collection and `build_systems` from the config come
  on top of it.
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import _toml

__all__ = ["CORE", "FALLBACK", "GIT", "build_requires"]

GIT = ("<read from the checkout>",)
FALLBACK = ("setuptools", "wheel")
# build backends and their own dependencies: build-system-pkgs builds them, a setuptools
# fallback on them would be a cycle
CORE = frozenset(
    [
        "calver",
        "editables",
        "flit-core",
        "flit-scm",
        "hatch-fancy-pypi-readme",
        "hatch-vcs",
        "hatchling",
        "packaging",
        "pathspec",
        "pdm-backend",
        "pip",
        "pluggy",
        "poetry-core",
        "scikit-build-core",
        "setuptools",
        "setuptools-scm",
        "tomli",
        "trove-classifiers",
        "typing-extensions",
        "wheel",
    ]
)


def _from_source(package: Mapping[str, object], prefer_wheels: bool) -> bool:
    """True when uv2nix will (probably) build `package` from an sdist."""
    if not package.get("sdist"):
        return False
    return not prefer_wheels or not package.get("wheels")


def build_requires(lock_text: str, *, prefer_wheels: bool = True) -> dict[str, tuple[str, ...]]:
    """{package name: build requirements} for the packages of `lock_text` (a uv.lock)
    that uv2nix builds from source without a backend: `GIT` for git sources (read by Nix),
    `FALLBACK` for sdists. Local projects and wheels are left out. Deterministic."""
    lock = _toml.loads(lock_text)
    found: dict[str, tuple[str, ...]] = {}
    for package in lock.get("package", []):
        name = str(package.get("name", ""))
        source = package.get("source") or {}
        if not name or name in CORE or not isinstance(source, dict):
            continue
        if any(key in source for key in ("directory", "editable", "virtual")):
            continue  # a local project: uv2nix reads its [build-system] itself
        if "git" in source:
            found[name] = GIT
        elif "path" in source or _from_source(package, prefer_wheels):
            found[name] = FALLBACK
    return dict(sorted(found.items()))
