"""support.check_supported: configs the pinned helper flakes cannot build are rejected (65, line).

The boundaries it uses are checked against the real repositories in ../shared/upstream.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import UPSTREAM, run_cli

from anysnake2.defaults import DEFAULT_INPUTS
from anysnake2.errors import ConfigError
from anysnake2.toml_compat.reader import read_project

NIGHTLY_2024 = """\
[nixpkgs]
url = "github:NixOS/nixpkgs/master/24.05"
packages = [
    "which",
    'rust-bin.nightly."2024-06-01".default',
]

[rust]
version = "1.80.0"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "anysnake2.toml"
    path.write_text(text)
    return path


def test_python_on_nixpkgs_below_uv2nix_minimum_is_rejected_with_its_line(tmp_path: Path) -> None:
    from anysnake2.render import support

    path = write(
        tmp_path,
        '[nixpkgs]\nrev = "22.05"\n\n[python]\nversion = "3.10"\n'
        'ecosystem_date = "2022-05-01"\n[python.packages]\nattrs = ""\n',
    )
    with pytest.raises(ConfigError) as caught:
        support.check_supported(read_project(path), path)
    assert caught.value.exit_code == 65
    assert (caught.value.file, caught.value.line) == (str(path), 2)
    assert "22.11" in caught.value.message and "22.05" in caught.value.message
    done = run_cli("check", cwd=tmp_path)
    assert done.returncode == 65, done.stderr
    assert f"error: {path}:2: [python] needs nixpkgs 22.11 or newer" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("nixpkgs", ['rev = "22.11"', 'url = "github:NixOS/nixpkgs/nixos-24.05"'])
def test_python_on_a_supported_or_unknown_nixpkgs_passes(tmp_path: Path, nixpkgs: str) -> None:
    from anysnake2.render import support

    path = write(tmp_path, f'[nixpkgs]\n{nixpkgs}\n[python]\nversion = "3.12"\n[python.packages]\n')
    support.check_supported(read_project(path), path)
    path = write(tmp_path, '[nixpkgs]\nrev = "21.05"\n')  # no [python]: no uv2nix
    support.check_supported(read_project(path), path)


def test_old_nightly_with_the_default_rust_overlay_is_rejected(tmp_path: Path) -> None:
    from anysnake2.render import support

    path = write(tmp_path, NIGHTLY_2024)
    done = run_cli("check", cwd=tmp_path)
    assert done.returncode == 65, done.stderr
    assert f'error: {path}:3: [nixpkgs] packages names rust-bin.nightly."2024-06-01"' in (
        done.stderr
    )
    assert support.RUST_OVERLAY_BEFORE_PURGE in done.stderr  # what to change


def test_old_nightly_with_a_pinned_rust_overlay_or_a_new_nightly_passes(tmp_path: Path) -> None:
    from anysnake2.render import support

    pinned = (
        NIGHTLY_2024
        + f'url = "github:oxalica/rust-overlay"\nrev = "{support.RUST_OVERLAY_BEFORE_PURGE}"\n'
    )
    path = write(tmp_path, pinned)
    support.check_supported(read_project(path), path)
    path = write(tmp_path, NIGHTLY_2024.replace("2024-06-01", "2025-06-01"))
    support.check_supported(read_project(path), path)


@pytest.mark.needs_shared
def test_boundaries_match_the_real_repositories(tmp_path: Path) -> None:
    from anysnake2.render import support

    def git(repo: Path, *args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
        ).stdout

    uv2nix = tmp_path / "uv2nix"
    rust = tmp_path / "rust-overlay"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--bare",
            str(UPSTREAM / "pyproject-nix+uv2nix.bundle"),
            str(uv2nix),
        ],
        check=True,
    )
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(UPSTREAM / "oxalica+rust-overlay.bundle"), str(rust)],
        check=True,
    )
    doc = git(uv2nix, "show", f"{DEFAULT_INPUTS['uv2nix'].rev}:doc/src/old-nixpkgs.md")
    assert f"`>={support.UV2NIX_MIN_NIXPKGS}`" in doc and f"`<={support.UV_BIN_MAX_NIXPKGS}`" in doc
    purge, date = support.RUST_OVERLAY_NIGHTLY_PURGE
    assert git(rust, "rev-parse", f"{purge}^").strip() == support.RUST_OVERLAY_BEFORE_PURGE
    old = "manifests/nightly/2024/2024-06-01.nix"
    assert git(rust, "ls-tree", support.RUST_OVERLAY_BEFORE_PURGE, old).strip()
    assert not git(rust, "ls-tree", purge, old).strip()
    assert not git(rust, "ls-tree", DEFAULT_INPUTS["rust-overlay"].rev, "manifests/nightly/2024")
    assert git(
        rust,
        "ls-tree",
        DEFAULT_INPUTS["rust-overlay"].rev,
        f"manifests/nightly/{date[:4]}/{date}.nix",
    )


def test_old_uv2nix_beside_the_default_build_system_pkgs_is_warned_about(tmp_path: Path) -> None:
    base = '[nixpkgs]\nrev = "24.05"\n[python]\nversion = "3.12"\n[python.packages]\n'
    old = '[uv2nix]\nurl = "github:adisbladis/uv2nix/master/05b0c148bc53aebc6a906b6d0ac41dde5954cd47"\n'
    write(tmp_path, base + old)
    done = run_cli("check", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "[uv2nix] is pinned to 05b0c148bc53aebc6a906b6d0ac41dde5954cd47 but" in done.stderr
    bsp = '[build-system-pkgs]\nrev = "e1487e5cefda0c7990bdd2e660bee20971680e45"\n'
    write(tmp_path, base + old + bsp)
    done = run_cli("check", cwd=tmp_path)
    assert done.returncode == 0 and "[uv2nix] is pinned" not in done.stderr


@pytest.mark.needs_shared
def test_default_build_system_pkgs_lock_needs_a_new_uv2nix(tmp_path: Path) -> None:
    """Why the warning above: the default build-system-pkgs' own uv.lock has the keys that
    uv2nix before 2025-04-30 rejects (see render/uvlock.py)."""
    bsp = tmp_path / "bsp"
    bundle = UPSTREAM / "pyproject-nix+build-system-pkgs.bundle"
    subprocess.run(["git", "clone", "-q", "--bare", str(bundle), str(bsp)], check=True)
    rev = DEFAULT_INPUTS["build-system-pkgs"].rev
    lock = subprocess.run(
        ["git", "-C", str(bsp), "show", f"{rev}:uv.lock"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "\nrevision = " in lock and "upload-time = " in lock
