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

from anysnake2.defaults import DEFAULT_INPUTS
from anysnake2.model import Nixpkgs, Project, Python, Rust
from anysnake2.render.flake import render_flake
from anysnake2.render.resolution import Resolution

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
    from anysnake2.render.uvlock import lock_for_uv2nix

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

    from anysnake2.render.uvlock import lock_for_uv2nix

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
    from anysnake2.render.uvlock import lock_for_uv2nix

    text = 'version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "a"\nversion = "1"\n'
    assert lock_for_uv2nix(text) is text


# --- the flake's attribute choices, evaluated against the real flakes' outputs ---------------

FLAKE_UTILS_REV = "b1d9ab70662946ef0850d488da1c9019f3a9752a"


def rendered(project: Project, resolution: Resolution | None = None) -> str:
    return render_flake(project, resolution or Resolution(), root=Path("/project")).flake_nix


def expression(flake_nix: str, pattern: str) -> str:
    """The parenthesised expression of the rendered flake that starts with `pattern`."""
    start = flake_nix.index(pattern)
    depth = 0
    for end in range(start, len(flake_nix)):
        depth += {"(": 1, ")": -1}.get(flake_nix[end], 0)
        if depth == 0:
            return flake_nix[start : end + 1]
    raise AssertionError(f"unbalanced expression at {pattern!r}")


def nix_eval(expr: str) -> object:
    done = subprocess.run(
        [*NIX, "eval", "--impure", "--json", "--expr", expr],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def flake_outputs(checkouts: Checkouts, bundle: str, rev: str, inputs: str) -> str:
    """Nix: the real flake's `outputs` at `rev`, called with those of `inputs` it takes
    (and itself as `self`)."""
    tree = checkouts(bundle, rev)
    return (
        f"(let f = (import {tree}/flake.nix).outputs;"
        f" out = f (builtins.intersectAttrs (builtins.functionArgs f) {inputs} // {{ self = out; }});"
        " in out)"
    )


def real_lib(checkouts: Checkouts, rev: str = NIXPKGS_LIB_REV) -> str:
    return f"(import {checkouts('nix-community+nixpkgs.lib', rev)}/lib)"


PYTHON_PROJECT = Project(
    nixpkgs=Nixpkgs(url="github:NixOS/nixpkgs", rev="24.05"),
    python=Python(version="3.12"),
    rust=Rust(version="1.55.0"),
)


@pytest.mark.parametrize(
    ("rev", "expected"),
    [
        ("e1487e5cefda0c7990bdd2e660bee20971680e45", ["default"]),  # the 2.x configs' pin
        ("e4ec65fabc1ff5abf61825f3ac07d0e1d157f1c1", ["default"]),  # 2.x jupyter7 & co
        ("46d4691a1b8f3a6862addad8277704a00ceb4a0a", ["default", "sdist", "wheel"]),  # boundary
        (DEFAULT_INPUTS["build-system-pkgs"].rev, ["default", "sdist", "wheel"]),
    ],
)
def test_build_system_pkgs_overlay_is_one_the_pinned_revision_has(
    checkouts: Checkouts, rev: str, expected: list[str]
) -> None:
    flake_nix = rendered(PYTHON_PROJECT)
    chosen = expression(flake_nix, "(inputs.build-system-pkgs.overlays.wheel")
    outputs = flake_outputs(
        checkouts,
        "pyproject-nix+build-system-pkgs",
        rev,
        f"{{ nixpkgs = {{ lib = {real_lib(checkouts)}; }}; pyproject-nix = {{ }}; uv2nix = {{ }}; }}",
    )
    got = nix_eval(
        f"let inputs = {{ build-system-pkgs = {outputs}; }}; in "
        f"{{ names = builtins.attrNames inputs.build-system-pkgs.overlays; "
        f"isFunction = builtins.isFunction {chosen}; }}"
    )
    assert got == {"names": expected, "isFunction": True}


@pytest.mark.parametrize(
    ("rev", "has"),
    [
        ("d7a31ac42833162e27ca1e40155f1fa43bc50836", "overlay"),  # 2022, before overlays.default
        ("d720bf3cebac38c2426d77ee2e59943012854cb8", "overlays"),  # 2.x basic, docker
        ("fecfe4d7c96fea2982c7907997b387a6b52c1093", "overlays"),  # 2.x full
        (DEFAULT_INPUTS["rust-overlay"].rev, "overlays"),  # after `overlay` was removed
    ],
)
def test_rust_overlay_attribute_is_one_the_pinned_revision_has(
    checkouts: Checkouts, rev: str, has: str
) -> None:
    flake_nix = rendered(PYTHON_PROJECT)
    chosen = expression(flake_nix, "(inputs.rust-overlay.overlays.default")
    utils = checkouts("numtide+flake-utils", FLAKE_UTILS_REV)
    outputs = flake_outputs(
        checkouts,
        "oxalica+rust-overlay",
        rev,
        f"{{ nixpkgs = {{ lib = {real_lib(checkouts)}; }}; "
        f'flake-utils = {{ lib = import {utils}/lib.nix {{ defaultSystems = [ "x86_64-linux" ]; }}; }}; }}',
    )
    got = nix_eval(
        f"let inputs = {{ rust-overlay = {outputs}; }}; in "
        f'{{ has = inputs.rust-overlay ? "{has}"; isFunction = builtins.isFunction {chosen}; }}'
    )
    assert got == {"has": True, "isFunction": True}
    assert "pkgs.stdenv.cc" in flake_nix.split("rootfsPackages =", 1)[1]  # the linker


@pytest.mark.parametrize(
    ("lib_rev", "release", "overlaid"),
    [
        ("efa3784850d64442ab27537688ff38b10d61cc9e", "24.05", ["uv"]),
        ("8890650bbfb1da29e50377125eb3e85715f6bebd", "24.11", ["uv"]),
        ("9eda8777312e24451be37d899c601653b4787a50", "25.05", []),
        (NIXPKGS_LIB_REV, "26.11", []),
    ],
)
def test_uv_bin_overlay_only_for_nixpkgs_up_to_24_11(
    checkouts: Checkouts, lib_rev: str, release: str, overlaid: list[str]
) -> None:
    """uv2nix doc/src/old-nixpkgs.md: nixpkgs <= 24.11 needs uv = uv2nix's uv-bin (built
    from its pkgs/uv-bin with the project's nixpkgs, as its flake's `packages` does)."""
    flake_nix = rendered(PYTHON_PROJECT)
    overlay = expression(flake_nix, "(final: prev: prev.lib.optionalAttrs")
    uv2nix = checkouts("pyproject-nix+uv2nix", OLD_UV2NIX[1])
    got = nix_eval(
        f'let system = "x86_64-linux"; inputs = {{ uv2nix = {uv2nix}; }};'
        f" prev = {{ lib = {real_lib(checkouts, lib_rev)}; }};"
        ' final = { callPackage = path: args: builtins.pathExists "${path}/default.nix"; };'
        f" result = {overlay} final prev; in"
        " { release = prev.lib.trivial.release; names = builtins.attrNames result;"
        " uv = result.uv or null; }"
    )
    assert got == {"release": release, "names": overlaid, "uv": True if overlaid else None}


def test_helper_libraries_evaluate_with_a_current_lib(checkouts: Checkouts) -> None:
    """uv2nix (every pin of the 2.x configs and ours) takes `match` from its nixpkgs' lib,
    which nixpkgs 24.05's lib lacks: the helpers follow the nixpkgs.lib input instead."""
    flake_nix = rendered(PYTHON_PROJECT)
    for helper in ("uv2nix", "pyproject-nix", "build-system-pkgs"):
        block = flake_nix.split(f"    {helper} = {{\n", 1)[1].split("    };", 1)[0]
        assert 'inputs.nixpkgs.follows = "nixpkgs-lib";' in block, helper
    assert "github:nix-community/nixpkgs.lib/" in flake_nix
    lib_2405 = real_lib(checkouts, "efa3784850d64442ab27537688ff38b10d61cc9e")
    got = nix_eval(f"[ ({lib_2405} ? match) ({real_lib(checkouts)} ? match) ]")
    assert got == [False, True]
    for rev in (*OLD_UV2NIX, DEFAULT_INPUTS["uv2nix"].rev):
        build = (checkouts("pyproject-nix+uv2nix", rev) / "lib" / "build.nix").read_text()
        inherited = build.split("inherit (lib)", 1)[1].split(";", 1)[0].split()
        assert "match" in inherited, rev


@pytest.mark.parametrize("rev", [DEFAULT_INPUTS["pyproject-nix"].rev, PYPROJECT_FOR_OLD])
def test_pyproject_nix_has_what_the_overrides_call(checkouts: Checkouts, rev: str) -> None:
    tree = checkouts("pyproject-nix+pyproject.nix", rev)
    assert "resolveBuildSystem = mkResolveBuildSystem" in (tree / "build/packages.nix").read_text()


def test_git_package_backend_is_read_from_its_checkout(
    checkouts: Checkouts, tmp_path: Path
) -> None:
    """The helpers of the build-backend overlay, on a checkout like builtins.fetchGit's."""
    from anysnake2.render.python import BACKEND_HELPERS

    hatch = tmp_path / "hatch"
    hatch.mkdir()
    (hatch / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling>=1.0", "Setuptools_SCM[toml] >= 6"]\n'
    )
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "setup.py").write_text("")
    pyproject = checkouts("pyproject-nix+pyproject.nix", DEFAULT_INPUTS["pyproject-nix"].rev)
    got = nix_eval(
        f"let lib = {real_lib(checkouts)}; pkgs = {{ inherit lib; }};"
        f" inputs = {{ pyproject-nix.lib = import {pyproject}/lib {{ inherit lib; }}; }};"
        " final = { }; prev = { };"
        f" in let\n{BACKEND_HELPERS}\n in"
        f" [ (fromCheckout {{ src = {hatch}; }}) (fromCheckout {{ src = {legacy}; }}) ]"
    )
    assert got == [{"hatchling": [], "setuptools-scm": []}, {"setuptools": [], "wheel": []}]


def test_override_collection_interface(checkouts: Checkouts) -> None:
    """`overrides pkgs` is an overlay over the package names it knows (its flake.nix)."""
    from anysnake2.render.python import COLLECTION

    flake_nix = rendered(PYTHON_PROJECT)
    assert f"(inputs.{COLLECTION}.overrides pkgs)" in flake_nix
    tree = checkouts(
        "TyberiusPrime+uv2nix_hammer_overrides", "73dac08efde52fcb4a7883dda81321473f85c0fc"
    )
    got = nix_eval(
        f"let lib = {real_lib(checkouts)};"
        f" out = (import {tree}/flake.nix).outputs {{ systems = {{ }}; treefmt-nix = {{ }};"
        " nixpkgs = { inherit lib; legacyPackages = { }; }; };"
        " overlay = out.overrides { };"
        " in { isFunction = builtins.isFunction overlay;"
        " knowsRpy2 = (overlay { } { }) ? rpy2; }"
    )
    assert got == {"isFunction": True, "knowsRpy2": True}


# --- build backends and rpy2, evaluated through the real uv2nix / pyproject.nix ---------------

BACKENDS_CONFIG = """\
[nixpkgs]
url = "github:NixOS/nixpkgs/master/24.05"

[python]
version = "3.12"
ecosystem_date = "2024-08-09"

[python.packages]
docopt = "==0.6.2"
fromgit = "git+https://github.com/example/fromgit"

[R]
date = "2024-05-10"
packages = ["ACA"]
"""


def test_backends_and_rpy2_evaluate_with_the_real_helpers(
    tmp_path: Path, upstream: object, honest_pkgs: dict
) -> None:
    """docopt (an sdist only) and a git package get their build backend; rpy2 (added with
    [R]) its R, link flags and setuptools/cffi: the rootfs drvPath and each package's
    build inputs evaluate against the real uv2nix, pyproject.nix and build-system-pkgs."""
    from test_upstream_eval import _python_lock, eval_drv

    from anysnake2.build_systems import FALLBACK, GIT, build_requires
    from anysnake2.runtime.flake_dir import write_flake_dir
    from anysnake2.toml_compat.reader import read_project

    root = tmp_path / "project"
    root.mkdir()
    (root / "anysnake2.toml").write_text(BACKENDS_CONFIG)
    project = read_project(root / "anysnake2.toml")
    lock = _python_lock(project, root)
    assert lock is not None
    requires = build_requires((lock / "uv.lock").read_text())
    assert requires["docopt"] == FALLBACK and requires["fromgit"] == GIT
    assert "rpy2" in requires  # an sdist at this date
    resolution = Resolution(python_lock=lock, build_requires=requires)
    flake_nix = render_flake(project, resolution, root=root).flake_nix
    write_flake_dir(root, render_flake(project, resolution, root=root))
    (root / ".anysnake2_flake" / "flake.nix").write_text(
        flake_nix.replace(
            "    {\n      packages.${system} = {",
            "    {\n      inherit pythonSet;\n      packages.${system} = {",
            1,
        )
    )
    proc = eval_drv(root, flake_nix, upstream, honest_pkgs)  # type: ignore[arg-type]
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = {}
    for name in ("docopt", "fromgit", "rpy2"):
        done = subprocess.run(
            [
                *proc.args[: proc.args.index("eval")],
                "eval",
                "--json",
                *[a for a in proc.args[proc.args.index("eval") + 1 : -1] if a != "--raw"],
                f".#pythonSet.{name}.nativeBuildInputs",
                "--apply",
                'map (d: d.pname or d.name or "?")',
            ],
            cwd=root / ".anysnake2_flake",
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        names[name] = json.loads(done.stdout)
    assert {"setuptools", "wheel"} <= set(names["docopt"])
    assert "setuptools" in names["fromgit"]  # the stand-in checkout's [build-system]
    assert {"setuptools", "cffi"} <= set(names["rpy2"])


def test_sdist_backends_are_read_from_the_real_sdists_once(uv_lock: Path, tmp_path: Path) -> None:
    """attrs built from source (prefer_wheels = false): its sdist from the PyPI file host
    says hatchling (+ hatch-vcs, hatch-fancy-pypi-readme); the answer is cached by the
    locked hash, so offline gives the same; pandocfilters' sdist has no [build-system]."""
    from anysnake2.build_systems import FALLBACK, build_requires
    from anysnake2.resolve.sdist_backends import sdist_build_requires

    text = (uv_lock / "uv.lock").read_text()
    found = sdist_build_requires(text, tmp_path, prefer_wheels=False, offline=False)
    requires = build_requires(text, prefer_wheels=False, sdist_requires=found)
    assert requires["attrs"][0].startswith("hatchling")
    assert {r.split(">")[0] for r in requires["attrs"]} >= {"hatchling", "hatch-vcs"}
    assert requires["pandocfilters"] == FALLBACK
    again = sdist_build_requires(text, tmp_path, prefer_wheels=False, offline=True)
    assert again == found
    assert sdist_build_requires(text, tmp_path / "empty", prefer_wheels=False, offline=True) == {}
