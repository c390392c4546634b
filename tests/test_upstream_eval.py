"""Every original config that passes `check` evaluates against the REAL helper flakes.

For each of the 40 configs in ../shared/reference/original-configs: `anysnake2 check`;
when it passes, the flake is rendered (render API, root = a temp copy), the Python lock is
made by real uv against PyPI (sources GitHub would serve are replaced by local stand-in
packages, see `_python_lock`), and `nix eval` of the rootfs `drvPath` must succeed with
the flake's inputs redirected by `--override-input` (tests/_upstream.py): uv2nix,
pyproject.nix, build-system-pkgs, rust-overlay, flake-utils, uv2nix_hammer_overrides to
clones of the real repositories at the revision the config pins (or our default);
nixpkgs to the honest stand-in on the real nixpkgs lib as of the release the config names
(fixture `honest_pkgs_for_release`: so `lib.trivial.release` is 24.05 for a 24.05 config,
and the helpers meet the lib they would meet there); nixR and
the config's own `[flakes]` to local stand-ins. uv2nix_hammer_overrides is the one helper
not taken at its pin: its bundle is a single snapshot without the override files, so
`Upstream.hammer_standin()` serves every pin (the real flake.nix and collected.nix, no-op
override files).

EXPECTED says per config what must happen: "evaluates", or ("rejected", why): `check`
exits 65 because the config cannot work with the real helpers.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from _upstream import HAMMER, NIX, Upstream, flake_inputs, nix_env, nixpkgs_release
from conftest import ORIGINAL_CONFIGS, git, run_cli

from anysnake2.render.flake import render_flake
from anysnake2.render.python import COLLECTION
from anysnake2.render.resolution import Resolution
from anysnake2.resolve.local_sources import source_files
from anysnake2.resolve.python_lock import _cutoff, lock_input, uv_binary
from anysnake2.runtime.flake_dir import write_flake_dir
from anysnake2.toml_compat.reader import read_project

pytestmark = pytest.mark.needs_shared

EVALUATES = "evaluates"
# [python] with a nixpkgs release below 22.11, the oldest uv2nix supports
_OLD_NIXPKGS = "needs nixpkgs 22.11 or newer"

# config → "evaluates" | ("rejected", what check's message names: it exits 65 saying so)
EXPECTED: dict[str, str | tuple[str, str]] = {
    "1.15.5__basic.toml": ("rejected", _OLD_NIXPKGS),
    "1.15.5__dev.toml": ("rejected", _OLD_NIXPKGS),
    "1.15.5__docker.toml": ("rejected", _OLD_NIXPKGS),
    "1.15.5__flake_auto_rev.toml": EVALUATES,
    "1.15.5__flake_in_non_root_github.toml": EVALUATES,
    "1.15.5__full.toml": ("rejected", "additional_mkpython_arguments_func"),
    "1.15.5__github_tarballs_can_be_unstable.toml": ("rejected", _OLD_NIXPKGS),
    "1.15.5__just_python.toml": ("rejected", _OLD_NIXPKGS),
    "1.15.5__just_python_discover_newest_revision.toml": ("rejected", _OLD_NIXPKGS),
    "1.15.5__just_python_local_package_requirements.toml": ("rejected", _OLD_NIXPKGS),
    "1.15.5__just_python_package_from_flake.toml": ("rejected", 'method = "useFlake"'),
    "1.15.5__just_python_package_from_pypi.toml": ("rejected", "buildPythonPackage_arguments"),
    "1.15.5__just_python_trust_on_first_use.toml": ("rejected", _OLD_NIXPKGS),
    "1.15.5__just_r.toml": EVALUATES,
    "1.15.5__minimal.toml": EVALUATES,
    "1.15.5__python_310_nixpkgs_2205.toml": ("rejected", _OLD_NIXPKGS),
    "1.15.5__python_buildPackage_interdependency_with_overrides.toml": (
        "rejected",
        _OLD_NIXPKGS,
    ),
    "1.15.5__test_python_pulled_by_other_editable.toml": ("rejected", _OLD_NIXPKGS),
    "2.3.6__basic.toml": EVALUATES,
    "2.3.6__docker.toml": EVALUATES,
    "2.3.6__flake_auto_rev.toml": EVALUATES,
    "2.3.6__flake_in_non_root_github.toml": EVALUATES,
    "2.3.6__flake_subdependency.toml": EVALUATES,
    "2.3.6__full.toml": EVALUATES,
    "2.3.6__github_tarballs_can_be_unstable.toml": EVALUATES,
    "2.3.6__jupyter7.toml": EVALUATES,
    "2.3.6__just_python.toml": EVALUATES,
    "2.3.6__just_python_discover_newest_revision.toml": EVALUATES,
    "2.3.6__just_python_package_from_pypi.toml": EVALUATES,
    "2.3.6__just_python_poetry2nix_escape_hatch.toml": EVALUATES,
    "2.3.6__just_python_trust_on_first_use.toml": EVALUATES,
    "2.3.6__just_r.toml": EVALUATES,
    "2.3.6__minimal.toml": EVALUATES,
    "2.3.6__minimal_rust.toml": EVALUATES,
    "2.3.6__python_310_nixpkgs_2205.toml": ("rejected", _OLD_NIXPKGS),
    "2.3.6__python_buildPackage_interdependency_with_overrides.toml": EVALUATES,
    "2.3.6__test_python_editable_venv_path.toml": EVALUATES,
    "2.3.6__test_python_pulled_by_other_editable.toml": EVALUATES,
    "2.3.6__toml_reformatter_expected_output.toml": EVALUATES,
    "2.3.6__toml_reformatter_input.toml": EVALUATES,
}


def test_the_table_covers_all_40_files() -> None:
    assert sorted(p.name for p in ORIGINAL_CONFIGS.glob("*.toml")) == sorted(EXPECTED)


# --- stand-ins for what GitHub would serve --------------------------------------------------


def _git_commit(repo: Path) -> str:
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "stand-in"]):
        git(*args, cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo)


def standin_package(folder: Path, name: str) -> Path:
    """A minimal Python project `name` 0.0.0 (static metadata, setuptools backend)."""
    folder.mkdir(parents=True, exist_ok=True)
    module = re.sub(r"[^A-Za-z0-9_]", "_", name).lower()
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{name}"\nversion = "0.0.0"\n'
    )
    (folder / f"{module}.py").write_text(f'"""stand-in for {name} (GitHub is unreachable)."""\n')
    return folder


def standin_flake(folder: Path, name: str, nixpkgs: str, packages: tuple[str, ...] | None) -> str:
    """A local flake for `[flakes.<name>]`: the attribute paths the config names, built
    with the nixpkgs stand-in; returns its URL."""
    folder.mkdir(parents=True)
    paths = ["packages.x86_64-linux.default", "defaultPackage.x86_64-linux"] + list(packages or ())
    listing = " ".join(f'"{p}"' for p in paths)
    (folder / "flake.nix").write_text(
        "{\n"
        f'  inputs.nixpkgs.url = "{nixpkgs}";\n'
        "  outputs = { self, nixpkgs }:\n"
        "    let\n"
        "      pkgs = nixpkgs.legacyPackages.x86_64-linux;\n"
        "      lib = nixpkgs.lib;\n"
        f'      mk = p: pkgs.runCommand "{name}-standin" {{ }} "mkdir -p $out/bin";\n'
        "    in\n"
        '    lib.foldl\' lib.recursiveUpdate { } (map (p: lib.setAttrByPath (lib.splitString "." p)'
        f" (mk p)) [ {listing} ]);\n"
        "}\n"
    )
    _git_commit(folder)
    return f"git+file://{folder}"


_SOURCE = re.compile(r'^"([^"]+)" = \{ (git|path|url) = "([^"]*)"[^}]*\}$', re.MULTILINE)


def _python_lock(project, root: Path) -> Path | None:
    """The lock workspace made by real uv from the rendered pyproject; git and local
    sources (GitHub, hg, file://) are replaced by stand-in packages of the same name."""
    spec = lock_input(project, None)
    if spec is None:
        return None
    workspace = root / ".anysnake2_flake" / "uv_workspace"
    workspace.mkdir(parents=True)

    def replace(match: re.Match[str]) -> str:
        name, kind, where = match.groups()
        if kind == "url":
            return match.group(0)
        if kind == "path" and not where.startswith("/"):
            standin_package((workspace / where).resolve(), name)
            return match.group(0)
        repo = standin_package(root / "standins" / name, name)
        if kind == "git":
            _git_commit(repo)
            return f'"{name}" = {{ git = "file://{repo}" }}'
        return f'"{name}" = {{ path = "{repo}" }}'

    (workspace / "pyproject.toml").write_text(_SOURCE.sub(replace, spec.pyproject))
    argv = [uv_binary(), "lock", "--exclude-newer", _cutoff(spec.date)]
    for item in spec.exclude_newer_packages:
        argv += ["--exclude-newer-package", item]
    env = nix_env() | {"UV_PYTHON_DOWNLOADS": "never"} | dict(spec.env)
    proc = subprocess.run(
        argv, cwd=workspace, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return workspace


# --- the test ------------------------------------------------------------------------------


def render(name: str, root: Path) -> str:
    """Render the flake of original config `name` into `root/.anysnake2_flake`."""
    project = read_project(root / "anysnake2.toml")
    lock = _python_lock(project, root)
    sources = source_files(lock) if lock is not None else {}
    resolution = Resolution(python_lock=lock, local_sources=sources)
    rendered = render_flake(project, resolution, root=root)
    write_flake_dir(root, rendered)
    return rendered.flake_nix


def nix_args(root: Path, flake_nix: str, upstream: Upstream, pkgs: dict) -> list[str]:
    """nix, the empty registry and the `--override-input` redirections for `flake_nix`."""
    project = read_project(root / "anysnake2.toml")
    nixpkgs = f"{pkgs['nixpkgs']['url']}?rev={pkgs['nixpkgs']['rev']}"
    others = {"nixR": f"{pkgs['nixR']['url']}?rev={pkgs['nixR']['rev']}"}
    for fname, flake in project.flakes.items():
        if fname in flake_inputs(flake_nix):
            others[fname] = standin_flake(root / "flakes" / fname, fname, nixpkgs, flake.packages)
    args = upstream.overrides(flake_nix, nixpkgs=nixpkgs, others=others)
    (root / "registry.json").write_text('{"flakes":[],"version":2}')
    return [*NIX, "--option", "flake-registry", str(root / "registry.json"), *args]


def run_nix(root: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """`argv` in the rendered flake's folder."""
    return subprocess.run(
        argv,
        cwd=root / ".anysnake2_flake",
        env=nix_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def eval_drv(
    root: Path, flake_nix: str, upstream: Upstream, pkgs: dict
) -> subprocess.CompletedProcess[str]:
    """`nix eval --raw .#packages.x86_64-linux.default.drvPath` with redirected inputs."""
    nix, overrides = _split(nix_args(root, flake_nix, upstream, pkgs))
    target = ".#packages.x86_64-linux.default.drvPath"
    return run_nix(root, [*nix, "eval", "--raw", "--no-write-lock-file", *overrides, target])


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    at = argv.index("--override-input") if "--override-input" in argv else len(argv)
    return argv[:at], argv[at:]


def first_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    return lines[-1] if lines else stderr.strip().splitlines()[-1:][0] if stderr.strip() else ""


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_original_config_evaluates_against_the_real_helpers(
    tmp_path: Path, name: str, upstream: Upstream, honest_pkgs_for_release
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copyfile(ORIGINAL_CONFIGS / name, root / "anysnake2.toml")
    check = run_cli("check", cwd=root, timeout=120)
    assert "Traceback" not in check.stderr
    expected = EXPECTED[name]
    if expected != EVALUATES:
        _, why = expected
        assert check.returncode == 65, f"check should reject: {why}\n{check.stderr}"
        assert why in check.stderr and "\n  hint: " in check.stderr
        return
    assert check.returncode == 0, check.stderr
    flake_nix = render(name, root)
    pkgs = honest_pkgs_for_release(nixpkgs_release(flake_nix))
    proc = eval_drv(root, flake_nix, upstream, pkgs)
    assert proc.returncode == 0, first_error(proc.stderr) + "\n" + proc.stderr[-3000:]
    assert re.fullmatch(r"/nix/store/[a-z0-9]{32}-anysnake2-rootfs\.drv", proc.stdout)
    # only the snapshot bundle's repository is served by something else than its pin
    assert {repo for repo, _, _ in upstream.substitutions} <= {HAMMER}


def test_hammer_collections_formatter_inputs_are_not_fetched(
    tmp_path: Path, upstream: Upstream, honest_pkgs_for_release
) -> None:
    # uv2nix_hammer_overrides' own `systems` and `treefmt-nix` (with treefmt-nix's nixpkgs)
    # serve only its formatter: the rendered flake makes them follow our nixpkgs, so the
    # lock holds no node for them and nothing stands in for them here
    root = tmp_path / "project"
    root.mkdir()
    shutil.copyfile(ORIGINAL_CONFIGS / "2.3.6__just_python.toml", root / "anysnake2.toml")
    flake_nix = render("2.3.6__just_python.toml", root)
    pkgs = honest_pkgs_for_release(nixpkgs_release(flake_nix))
    argv = nix_args(root, flake_nix, upstream, pkgs)
    assert not [a for a in argv if a.startswith(f"{COLLECTION}/")], argv
    nix, overrides = _split(argv)
    meta = run_nix(root, [*nix, "flake", "metadata", "--json", "--no-write-lock-file", *overrides])
    assert meta.returncode == 0, first_error(meta.stderr) + "\n" + meta.stderr[-3000:]
    nodes = json.loads(meta.stdout)["locks"]["nodes"]
    hammer = nodes[nodes["root"]["inputs"][COLLECTION]]
    assert hammer["inputs"]["treefmt-nix"] == ["nixpkgs"]
    assert hammer["inputs"]["systems"] == ["nixpkgs"]
    # no node (so nothing `nix flake archive` fetches) for them or treefmt-nix's nixpkgs
    assert not [key for key in nodes if key.startswith(("treefmt-nix", "systems"))], nodes
    assert sorted(nodes) == sorted({"root", *nodes["root"]["inputs"].values()}), nodes
    assert eval_drv(root, flake_nix, upstream, pkgs).returncode == 0


# --- the redirection itself ----------------------------------------------------------------

FLAKE = """\
{
  inputs = {
    build-system-pkgs = {
      inputs.nixpkgs.follows = "nixpkgs";
      inputs.pyproject-nix.follows = "pyproject-nix";
      inputs.uv2nix.follows = "uv2nix";
      url = "github:pyproject-nix/build-system-pkgs/e1487e5cefda0c7990bdd2e660bee20971680e45";
    };
    nixpkgs = {
      url = "github:NixOS/nixpkgs?ref=24.05";
    };
    pyproject-nix = {
      url = "github:pyproject-nix/pyproject.nix";
    };
    uv2nix = {
      inputs.nixpkgs.follows = "nixpkgs";
      inputs.pyproject-nix.follows = "pyproject-nix";
      url = "github:adisbladis/uv2nix/05b0c148bc53aebc6a906b6d0ac41dde5954cd47";
    };
  };
  outputs = { self, ... }: { };
}
"""


def test_overrides_follow_the_pins_and_cover_unfollowed_sub_inputs(upstream: Upstream) -> None:
    args = upstream.overrides(FLAKE, nixpkgs="git+file:///stand-in/nixpkgs?rev=1")
    pairs = dict(zip(args[1::3], args[2::3], strict=True))
    assert set(args[0::3]) == {"--override-input"}
    bsp = upstream.repo("pyproject-nix/build-system-pkgs")
    assert pairs["build-system-pkgs"] == (
        f"git+file://{bsp}?rev=e1487e5cefda0c7990bdd2e660bee20971680e45"
    )
    assert pairs["uv2nix"].endswith("?rev=05b0c148bc53aebc6a906b6d0ac41dde5954cd47")
    # no rev in the URL: our default; its own nixpkgs is not followed, so it is redirected
    assert pairs["pyproject-nix"].endswith("?rev=7af23cfe91064865ecf2e835da28b45b3c6f49fd")
    assert pairs["pyproject-nix/nixpkgs"] == "git+file:///stand-in/nixpkgs?rev=1"
    assert pairs["nixpkgs"] == "git+file:///stand-in/nixpkgs?rev=1"
    assert "uv2nix/nixpkgs" not in pairs and "build-system-pkgs/uv2nix" not in pairs
    assert nixpkgs_release(FLAKE) == "24.05"


def test_a_pin_no_bundle_holds_is_an_error(upstream: Upstream) -> None:
    flake = FLAKE.replace("e1487e5cefda0c7990bdd2e660bee20971680e45", "0" * 40)
    with pytest.raises(ValueError, match="has no commit 0000000000000000000000000000000000000000"):
        upstream.overrides(flake, nixpkgs="git+file:///n?rev=1")
    with pytest.raises(ValueError, match="no stand-in for flake input 'other'"):
        upstream.overrides(
            FLAKE.replace(
                "    nixpkgs = {",
                '    other = {\n      url = "github:a/b";\n    };\n    nixpkgs = {',
            ),
            nixpkgs="git+file:///n?rev=1",
        )
