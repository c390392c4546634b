"""Default URL and revision of each helper flake input.

Each revision is the newest commit of the default branch as read from the public
repository snapshots on 2026-11-27 (recorded in the team's reference file
`reference/pinned-inputs.md`, itself looked up with the code and docs search corpora).
A project overrides them: `[rust] url/rev`, `[R] url/rev`, `[uv2nix]`, `[pyproject-nix]`,
`[build-system-pkgs]` (model `Project.inputs`).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["DEFAULT_INPUTS", "DEFAULT_NIXPKGS_URL", "HelperInput"]

DEFAULT_NIXPKGS_URL = "github:NixOS/nixpkgs"


class HelperInput(NamedTuple):
    """A helper input's default: URL without revision, and the revision (None = a tag)."""

    url: str
    rev: str | None


DEFAULT_INPUTS: dict[str, HelperInput] = {
    # github:pyproject-nix/uv2nix master, 2026-07-20
    "uv2nix": HelperInput(
        "github:pyproject-nix/uv2nix", "49dac8d206c42175b069b7c6050ba27060a21106"
    ),
    # github:pyproject-nix/pyproject.nix master, 2026-07-01
    "pyproject-nix": HelperInput(
        "github:pyproject-nix/pyproject.nix", "7af23cfe91064865ecf2e835da28b45b3c6f49fd"
    ),
    # github:pyproject-nix/build-system-pkgs master, 2026-08-17
    "build-system-pkgs": HelperInput(
        "github:pyproject-nix/build-system-pkgs", "90ffdeee1a4929b231913df067448cd9803d3e07"
    ),
    # github:oxalica/rust-overlay master, 2026-08-22
    "rust-overlay": HelperInput(
        "github:oxalica/rust-overlay", "fd2ebb9cc4323d0c5a1336138dab5c3c5a5d8bd9"
    ),
    # github:TyberiusPrime/nixR main, 2026-03-13
    "nixR": HelperInput("github:TyberiusPrime/nixR", "22a388ea41e27397c6b0cd44bb8599e4e9c5c88c"),
    # github:TyberiusPrime/r_ecosystem_track: pinned by [R] ecosystem_tag (tags
    # 2021-05-20_1 .. 2021-11-19_2; last commit 2022-03-16), so no default revision
    "r_ecosystem_track": HelperInput("github:TyberiusPrime/r_ecosystem_track", None),
    # github:TyberiusPrime/uv2nix_hammer_overrides main, 2026-03-09 (the snapshot in the
    # team's upstream bundles); the per-package build fixes the original applied to every
    # uv2nix Python environment (`[uv2nix_override_collection]`)
    "uv2nix_hammer_overrides": HelperInput(
        "github:TyberiusPrime/uv2nix_hammer_overrides", "efc9f213860490692e27f0854e26b8ac62acfff3"
    ),
    # github:nix-community/nixpkgs.lib master, 2026-06-14 (nixpkgs' lib alone, release
    # 26.11): the lib uv2nix, pyproject.nix and build-system-pkgs evaluate with, whatever
    # the project's nixpkgs (render/python.py says why)
    "nixpkgs-lib": HelperInput(
        "github:nix-community/nixpkgs.lib", "de42d44212d207476489bce163375d8306a26d59"
    ),
    # github:numtide/flake-utils main, 2024-03-11; not used by the generated flake (only
    # x86_64-linux is supported, a plain attrset does), kept for configs that name it
    "flake-utils": HelperInput(
        "github:numtide/flake-utils", "b1d9ab70662946ef0850d488da1c9019f3a9752a"
    ),
}
