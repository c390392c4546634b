"""End to end with the REAL pyproject.nix builders and uv2nix over the honest stand-in.

`anysnake2 run -- python -c "import attrs, requests; ..."` in a bwrap container, for a
project whose Python lock is made by real uv against PyPI, whose wheels nix fetches from
the PyPI file host (fixed-output `builtin:fetchurl` of the lock's URL and hash), and whose
virtualenv is built by the real pyproject.nix hooks (pyprojectWheelHook, uv pip install,
make_venv.py) from clones of the real uv2nix / pyproject.nix / build-system-pkgs at our
default revisions (config keys `[uv2nix]`, `[pyproject-nix]`, `[build-system-pkgs]`:
the project's own URL handling). The nixpkgs stand-in carries the host's Python 3 and
uv with their libraries, and the host's gcc as stdenv.cc (see tools/offline_pkgs).
uv2nix_hammer_overrides is the snapshot stand-in of tests/_upstream.py (the bundle lacks
its override files). An editable checkout (code/mypkg) is installed by anysnake2 at run
time: an edit shows at the next run without a rebuild, with its metadata and entry point,
also to `python -I` (the rootfs' venv reads the editables' site folder through a `.pth`).
A git package with no wheel is built from source by `uv build` with the backend its
pyproject.toml names (setuptools from build-system-pkgs), and so is a PyPI package that
has only an sdist (pandocfilters 1.4.3).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from _upstream import Upstream
from conftest import run_cli

from anysnake2.defaults import DEFAULT_INPUTS

pytestmark = pytest.mark.needs_shared

HELPERS = {
    "uv2nix": "pyproject-nix/uv2nix",
    "pyproject-nix": "pyproject-nix/pyproject.nix",
    "build-system-pkgs": "pyproject-nix/build-system-pkgs",
    # the lib those three evaluate with, where the renderer has that input
    "nixpkgs-lib": "nix-community/nixpkgs.lib",
}
HELPERS = {k: v for k, v in HELPERS.items() if k in DEFAULT_INPUTS}


def write_config(
    root: Path, upstream: Upstream, pkgs: dict[str, dict[str, str]], git_package: str
) -> None:
    nixpkgs = pkgs["nixpkgs"]
    lines = [
        "[nixpkgs]",
        f'url = "{nixpkgs["url"]}"',
        f'rev = "{nixpkgs["rev"]}"',
        "packages = []",
        "",
        "[python]",
        'version = "3.11"',
        'ecosystem_date = "2024-08-09"',
        "",
        "[python.packages]",
        'attrs = ""',
        'requests = ""',
        f'gitlib = "{git_package}"',
        'pandocfilters = "==1.4.3"',  # an sdist only, no wheel on PyPI
        "",
        "[python.packages.mypkg]",
        'editable = "code"',
        "",
    ]
    (root / "anysnake2.toml").write_text("\n".join(lines + helper_sections(upstream)))


def helper_sections(upstream: Upstream) -> list[str]:
    """Config lines pointing every helper flake at its real upstream clone (at our default
    revision), the override collection at the hammer stand-in, and the runtime at bwrap."""
    lines = []
    for section, repo in sorted(HELPERS.items()):
        rev = DEFAULT_INPUTS[section].rev
        lines += [f"[{section}]", f'url = "git+file://{upstream.repo(repo)}"', f'rev = "{rev}"', ""]
    hammer = upstream.hammer_standin()
    head = subprocess.run(
        ["git", "-C", hammer.removeprefix("git+file://"), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    lines += ["[uv2nix_override_collection]", f'url = "{hammer}?rev={head}"', ""]
    return lines + ["[container]", 'runtime = "bwrap"', ""]


def _git_package(folder: Path) -> str:
    """A git repository of the package gitlib 1.2 (setuptools backend, no wheel
    anywhere): nix must build it from source; returns its `git+file://...?rev=` URL."""
    (folder / "src" / "gitlib").mkdir(parents=True)
    (folder / "src" / "gitlib" / "__init__.py").write_text('VALUE = "built from git"\n')
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '\n[project]\nname = "gitlib"\nversion = "1.2"\n'
    )
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null")
    ident = ["-c", "user.name=t", "-c", "user.email=t@t"]
    for argv in (["init", "-q"], ["add", "-A"], [*ident, "commit", "-qm", "gitlib 1.2"]):
        subprocess.run(["git", *argv], cwd=folder, check=True, env=env, capture_output=True)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=folder, check=True, capture_output=True, text=True
    ).stdout.strip()
    return f"git+file://{folder}?rev={rev}"


def _editable_checkout(root: Path) -> None:
    package = root / "code" / "mypkg"
    (package / "src" / "mypkg").mkdir(parents=True)
    (package / "src" / "mypkg" / "__init__.py").write_text(
        'VALUE = "one"\n\n\ndef main():\n    print("hello", VALUE)\n'
    )
    (package / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "mypkg"\nversion = "0.3"\ndependencies = ["attrs>=20"]\n\n'
        '[project.scripts]\nmypkg-hello = "mypkg:main"\n'
    )


@pytest.fixture(scope="module")
def project(
    tmp_path_factory: pytest.TempPathFactory,
    upstream: Upstream,
    honest_pkgs_with_python: dict[str, dict[str, str]],
) -> tuple[Path, dict[str, str]]:
    """A project with attrs, requests and an editable checkout code/mypkg; (root, env)."""
    base = tmp_path_factory.mktemp("upstream-build")
    root = base / "project"
    root.mkdir()
    write_config(root, upstream, honest_pkgs_with_python, _git_package(base / "gitlib"))
    _editable_checkout(root)
    env = dict(os.environ, UV_CACHE_DIR=str(base / "uv-cache"))
    # no binary cache is reachable here: do not let nix retry cache.nixos.org each time
    env["NIX_CONFIG"] = env.get("NIX_CONFIG", "") + "\nsubstituters =\n"
    env.pop("TMUX", None)
    env.pop("ANYSNAKE2_OFFLINE", None)
    return root, env


def run(project: tuple[Path, dict[str, str]], *args: str) -> subprocess.CompletedProcess[str]:
    root, env = project
    return run_cli("run", "--", *args, cwd=root, env=env, timeout=900)


def test_run_imports_locked_wheels_built_by_the_real_builders(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, _ = project
    code = (
        "import attrs, requests, charset_normalizer, sys; "
        "print(requests.__version__, attrs.__version__, sys.prefix)"
    )
    proc = run(project, "python", "-c", code)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    requests_version, attrs_version, prefix = proc.stdout.split()
    lock = (root / "anysnake2.uv.lock").read_text()
    assert f'name = "requests"\nversion = "{requests_version}"' in lock
    assert f'name = "attrs"\nversion = "{attrs_version}"' in lock
    assert prefix.startswith("/nix/store/") and prefix.endswith("-anysnake2-venv")
    # charset_normalizer's compiled module found the manylinux libraries (no warning)
    assert "RequestsDependencyWarning" not in proc.stderr
    venv = Path(prefix)
    assert (venv / "lib" / "python3.11" / "site-packages" / "attrs").is_dir()
    # the wheel came from the PyPI file host through a fixed-output derivation
    drv = subprocess.run(
        ["nix-store", "--query", "--deriver", str(venv)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    closure = subprocess.run(
        ["nix-store", "--query", "--requisites", drv],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "-requests-" + requests_version + "-py3-none-any.whl.drv" in closure


def test_git_package_is_built_from_source_with_its_backend(
    project: tuple[Path, dict[str, str]],
) -> None:
    code = (
        "import gitlib, importlib.metadata as m; print(gitlib.VALUE, m.version('gitlib')); "
        "print(m.distribution('gitlib').read_text('WHEEL'))"
    )
    proc = run(project, "python", "-c", code)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("built from git 1.2\n")
    # the wheel was made in the nix build, by the backend the checkout names
    assert "Generator: setuptools" in proc.stdout


def test_sdist_only_package_is_built_with_setuptools(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, _ = project
    code = "import pandocfilters, importlib.metadata as m; print(m.version('pandocfilters'))"
    proc = run(project, "python", "-c", code)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "1.4.3\n"
    lock = (root / "anysnake2.uv.lock").read_text()
    entry = lock[lock.index('[[package]]\nname = "pandocfilters"') :].split("\n[[package]]")[0]
    assert "sdist = " in entry and "wheels = " not in entry


def test_editable_package_changes_show_without_rebuild(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, _ = project
    code = "import mypkg, importlib.metadata as m; print(mypkg.VALUE, m.version('mypkg'))"
    first = run(project, "python", "-c", code)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout == "one 0.3\n"
    script = run(project, "mypkg-hello")
    assert script.returncode == 0, script.stdout + script.stderr
    assert script.stdout == "hello one\n"
    rootfs = (root / ".anysnake2_flake" / "result").resolve()
    init = root / "code" / "mypkg" / "src" / "mypkg" / "__init__.py"
    init.write_text(init.read_text().replace('"one"', '"two"'))
    second = run(project, "python", "-c", code)
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout == "two 0.3\n"
    assert "building" not in second.stderr
    assert (root / ".anysnake2_flake" / "result").resolve() == rootfs


def test_editable_package_is_found_by_an_isolated_python(
    project: tuple[Path, dict[str, str]],
) -> None:
    # -I ignores PYTHONPATH: the venv's anysnake2_editables.pth adds the editable site
    # folder as a site directory, whose own .pth adds the checkout's import root
    code = "import mypkg, importlib.metadata as m; print(m.version('mypkg'), mypkg.__file__)"
    proc = run(project, "python", "-I", "-c", code)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "0.3 /anysnake2/editable/mypkg/src/mypkg/__init__.py\n"
    # without the bound site folder (a python outside the container) the .pth does nothing
    proc = run(project, "sh", "-c", "cat /lib/python3.11/site-packages/anysnake2_editables.pth")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'os.path.isdir("/anysnake2/editable_site")' in proc.stdout


STDENV_FLAKE = """\
{
  inputs.nixpkgs.url = "NIXPKGS";
  outputs = { self, nixpkgs }:
    let
      pkgs = import nixpkgs { system = "x86_64-linux"; };
      hook = pkgs.makeSetupHook {
        name = "greet-hook";
        substitutions.greeting = "hello from the hook";
      } (builtins.toFile "greet.sh" ''
        greetHook() { echo "@greeting@" > greeting; }
        preBuildHooks+=(greetHook)
      '');
      meta = pkgs.makeSetupHook {
        name = "meta-hook";
        propagatedBuildInputs = [ hook ];
      } (builtins.toFile "meta.sh" "");
      src = pkgs.runCommand "src.tar.gz" { } ''
        mkdir -p pkg-1.0 && echo "version=@VERSION@" > pkg-1.0/config
        tar czf $out pkg-1.0
      '';
      base = pkgs.stdenv.mkDerivation (finalAttrs: {
        pname = "pkg";
        version = "1.0";
        inherit src;
        nativeBuildInputs = [ meta null ];
        postPatch = ''
          substituteInPlace config --replace-fail @VERSION@ ${finalAttrs.version}
        '';
        buildPhase = "runHook preBuild; echo built > built; runHook postBuild";
        installPhase = ''
          runHook preInstall
          mkdir -p $out && cp config greeting built $out/
          runHook postInstall
        '';
      });
    in {
      packages.x86_64-linux.default = (base.overrideAttrs (old: {
        postInstall = "echo ${old.pname} > $out/name";
      })).overrideAttrs (final: prev: { version = "2.0"; });
    };
}
"""


def test_stand_in_stdenv_runs_phases_hooks_and_overrides(
    tmp_path: Path, honest_pkgs_for_release
) -> None:
    """The honest stdenv behaves as nixpkgs' for what the real builders rely on: an unpacked
    tarball as source root, postPatch, a propagated setup hook with substitutions adding to
    preBuildHooks, phases given as strings, finalAttrs seeing overrideAttrs' changes."""
    from conftest import build_flake

    nixpkgs = honest_pkgs_for_release(None)["nixpkgs"]
    url = f"{nixpkgs['url']}?rev={nixpkgs['rev']}"
    out = build_flake(tmp_path, STDENV_FLAKE.replace("NIXPKGS", url))
    assert out.name.endswith("-pkg-2.0")
    assert (out / "config").read_text() == "version=2.0\n"
    assert (out / "greeting").read_text() == "hello from the hook\n"
    assert (out / "built").read_text() == "built\n"
    assert (out / "name").read_text() == "pkg\n"
