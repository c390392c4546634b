"""What the renderer writes, checked against the real helper code in ../shared/upstream.

The uv2nix and pyproject.nix library code is evaluated by nix itself (with the real nixpkgs
`lib`) at the revisions the original configs pin and at our default; the lock it reads is
written by the real uv (0.13.9) from PyPI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import UPSTREAM

from anysnake2.render.defaults import DEFAULT_INPUTS
from anysnake2.render.uvlock import lock_for_uv2nix

pytestmark = pytest.mark.needs_shared

NIX = ["nix", "--extra-experimental-features", "nix-command flakes"]
UV = Path(sys.executable).parent / "uv"
NIXPKGS_LIB_REV = "de42d44212d207476489bce163375d8306a26d59"
# uv2nix revisions the original's 2.x configs pin (2025-01-30 .. 2025-03-05), and ours
OLD_UV2NIX = (
    "fd41fdec2fed599ba884bc2706c2263f01e2183c",
    "05b0c148bc53aebc6a906b6d0ac41dde5954cd47",
)
PYPROJECT_FOR_OLD = "28ca7673bbb3b57992f030f7e8c221f2a73755a5"  # 05b0c148's flake.lock


class Checkouts:
    """One clone per bundle, one worktree per revision (made on first use)."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def __call__(self, bundle: str, rev: str) -> Path:
        clone = self.base / bundle
        if not clone.exists():
            source = UPSTREAM / f"{bundle}.bundle"
            subprocess.run(["git", "clone", "-q", str(source), str(clone)], check=True)
        tree = self.base / f"{bundle}-{rev[:12]}"
        if not tree.exists():
            subprocess.run(
                ["git", "-C", str(clone), "worktree", "add", "-q", "--detach", str(tree), rev],
                check=True,
            )
        return tree


@pytest.fixture(scope="module")
def checkouts(tmp_path_factory: pytest.TempPathFactory) -> Checkouts:
    return Checkouts(tmp_path_factory.mktemp("upstream"))


@pytest.fixture(scope="module")
def uv_lock(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace locked by the real uv, with a `pypi:`-style exclude-newer exception."""
    folder = tmp_path_factory.mktemp("lock")
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "anysnake2-env"\nversion = "0"\nrequires-python = "==3.11.*"\n'
        'dependencies = ["attrs", "pandocfilters==1.5.1"]\n'
        "[tool.uv]\nenvironments = [\"python_version == '3.11' and sys_platform == 'linux'\"]\n"
    )
    subprocess.run(
        [str(UV), "lock", "-q", "--python", "/usr/bin/python3.11"]
        + ["--exclude-newer", "2025-06-01T00:00:00Z", "--exclude-newer-package", "attrs=false"],
        cwd=folder,
        check=True,
        timeout=300,
    )
    return folder


def parse_lock(checkouts: Checkouts, uv2nix: str, pyproject: str, lock: Path) -> object:
    """Names of the packages the real uv2nix `lock1.parseLock` reads from `lock` (deeply)."""
    lib = checkouts("nix-community+nixpkgs.lib", NIXPKGS_LIB_REV) / "lib"
    pyproject_lib = checkouts("pyproject-nix+pyproject.nix", pyproject) / "lib"
    uv2nix_lib = checkouts("pyproject-nix+uv2nix", uv2nix) / "lib"
    expr = f"""
      let
        lib = import {lib};
        pyproject-nix = {{ lib = import {pyproject_lib} {{ inherit lib; }}; }};
        uv2nix = import {uv2nix_lib} {{ inherit lib pyproject-nix; }};
        lock = uv2nix.lock1.parseLock (builtins.fromTOML (builtins.readFile {lock}));
      in builtins.deepSeq lock (map (p: p.name) lock.package)
    """
    done = subprocess.run(
        [*NIX, "eval", "--impure", "--json", "--expr", expr],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        return done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("uv2nix", [*OLD_UV2NIX, DEFAULT_INPUTS["uv2nix"].rev])
def test_lock_copy_is_read_by_the_pinned_and_the_default_uv2nix(
    checkouts: Checkouts, uv_lock: Path, tmp_path: Path, uv2nix: str
) -> None:
    pyproject = PYPROJECT_FOR_OLD if uv2nix in OLD_UV2NIX else DEFAULT_INPUTS["pyproject-nix"].rev
    assert pyproject is not None
    original = parse_lock(checkouts, uv2nix, pyproject, uv_lock / "uv.lock")
    # what uv 0.13.9 writes is not readable as it is (revision / exclude-newer-package)
    assert isinstance(original, str) and "called with unexpected argument" in original
    copy = tmp_path / "uv.lock"
    copy.write_text(lock_for_uv2nix((uv_lock / "uv.lock").read_text()))
    names = parse_lock(checkouts, uv2nix, pyproject, copy)
    assert names == ["anysnake2-env", "attrs", "pandocfilters"]


def test_lock_copy_keeps_everything_uv2nix_builds_from(uv_lock: Path) -> None:
    import tomllib

    before = tomllib.loads((uv_lock / "uv.lock").read_text())
    after = tomllib.loads(lock_for_uv2nix((uv_lock / "uv.lock").read_text()))
    assert "revision" in before and "revision" not in after
    assert "exclude-newer-package" not in after["options"]
    assert after["options"]["exclude-newer"] == before["options"]["exclude-newer"]
    for old, new in zip(before["package"], after["package"], strict=True):
        assert {k: v for k, v in old.items() if k not in ("wheels", "sdist")} == {
            k: v for k, v in new.items() if k not in ("wheels", "sdist")
        }
        for wheel_old, wheel_new in zip(old.get("wheels", []), new.get("wheels", []), strict=True):
            assert wheel_new == {k: v for k, v in wheel_old.items() if k != "upload-time"}


def test_a_lock_without_dropped_keys_is_copied_byte_for_byte() -> None:
    text = 'version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "a"\nversion = "1"\n'
    assert lock_for_uv2nix(text) is text
