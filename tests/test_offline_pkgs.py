"""Tests for tools/offline_pkgs: the offline stand-ins for nixpkgs and the helper flakes.

One session-scoped offline package set, one test flake (a temporary git repository, files
`git add`ed only) that uses every stand-in the way the generated flake does, and nix run
offline: no substituters, an empty flake registry. The containers run with bwrap; no host
Python is used inside them (the venv test only inspects the files of the venv).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "offline_pkgs" / "make_offline_pkgs.py"
SYSTEM = "x86_64-linux"


def _load_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_offline_pkgs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


make_offline_pkgs = _load_module()


def _env() -> dict[str, str]:
    """The environment for git and nix: no inherited GIT_* (tests may run in a hook)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


@pytest.fixture(scope="session")
def offline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The offline package set, made once per session."""
    return make_offline_pkgs.make(tmp_path_factory.mktemp("offline-pkgs"))


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty flake registry, so that nix does not try to download the global one."""
    path = tmp_path_factory.mktemp("registry") / "registry.json"
    path.write_text('{"flakes":[],"version":2}')
    return path


class Nix:
    """Runs nix offline in one flake folder."""

    def __init__(self, flake: Path, registry: Path) -> None:
        self.flake = flake
        self.flags = [
            "--extra-experimental-features",
            "nix-command flakes",
            "--option",
            "substituters",
            "",
            "--option",
            "flake-registry",
            str(registry),
        ]

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            ["nix", *self.flags, *args],
            cwd=self.flake,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check and proc.returncode != 0:
            pytest.fail(f"nix {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def build(self, attr: str) -> Path:
        """Build `.#attr` and return its output path."""
        out = self("build", "--no-link", "--json", f".#{attr}").stdout
        return Path(json.loads(out)[0]["outputs"]["out"])

    def eval_json(self, attr: str) -> object:
        return json.loads(self("eval", "--json", f".#{attr}").stdout)


UV_LOCK = """\
version = 1
requires-python = ">=3.8"

[[package]]
name = "attrs"
version = "23.1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/attrs-23.1.0.tar.gz", hash = "sha256:00", size = 1 }
wheels = [
    { url = "https://files.example/attrs-23.1.0-py3-none-any.whl", hash = "sha256:00", size = 1 },
]

[[package]]
name = "demo"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "attrs" },
]

[package.optional-dependencies]
fancy = [
    { name = "attrs" },
]
"""

FLAKE = """\
{
  inputs = {
@INPUTS@
  };
  outputs = { self, nixpkgs, rust-overlay, nixR, uv2nix, pyproject-nix, build-system-pkgs }:
    let
      system = "x86_64-linux";
      lib = nixpkgs.lib;
      pkgs = import nixpkgs { inherit system; overlays = [ rust-overlay.overlays.default ]; };
      permissive = import nixpkgs {
        inherit system;
        config = { allowUnfree = true; permittedInsecurePackages = [ "insecure-tool-1.0" ]; };
      };
      workspace = uv2nix.lib.workspace.loadWorkspace { workspaceRoot = ./py; };
      pythonBase = pkgs.callPackage pyproject-nix.build.packages { python = pkgs.python312; };
      pythonSet = pythonBase.overrideScope (lib.composeManyExtensions [
        build-system-pkgs.overlays.wheel
        (workspace.mkPyprojectOverlay { sourcePreference = "wheel"; })
      ]);
      sdistSet = pythonBase.overrideScope (lib.composeManyExtensions [
        build-system-pkgs.overlays.sdist
        (workspace.mkPyprojectOverlay { sourcePreference = "sdist"; })
      ]);
      editableSet = pythonSet.overrideScope
        (workspace.mkEditablePyprojectOverlay { root = "$REPO_ROOT"; });
    in
    {
      packages.${system} = {
        default = pkgs.runCommand "rootfs" { nativeBuildInputs = [ pkgs.xorg.lndir ]; } ''
          mkdir -p $out/rootfs
          for p in ${pkgs.hello} ${pkgs.bashInteractive} ${pkgs.coreutils} ${pkgs.tools.nested.hello2}; do
            lndir -silent $p $out/rootfs
          done
          mkdir -p $out/rootfs/etc/ssl
          lndir -silent ${pkgs.cacert}/etc/ssl $out/rootfs/etc/ssl
        '';
        lndir-check = pkgs.runCommand "lndir-check" { nativeBuildInputs = [ pkgs.xorg.lndir ]; } ''
          mkdir -p $out/src/dir/sub $out/src/RCS $out/to/dir
          echo new > $out/src/dir/file
          echo new > $out/src/dir/sub/deep
          echo new > $out/src/backup~
          ln -s file $out/src/dir/link
          echo old > $out/to/dir/file
          mkdir $out/to/dir/own && echo own > $out/to/dir/own/f
          lndir -silent $out/src $out/to
          mkdir $out/rel && cd $out/rel && lndir -silent ../to/dir
        '';
        unfree-refused = pkgs.unfree-tool;
        unfree-allowed = permissive.unfree-tool;
        insecure-refused = pkgs.insecure-tool;
        insecure-allowed = permissive.insecure-tool;
        failing = pkgs.failing;
        rust-minimal = pkgs.rust-bin.stable."1.55.0".minimal;
        rust-extended = pkgs.rust-bin.stable."1.80.0".minimal.override {
          extensions = [ "rustfmt" "clippy" ];
        };
        rust-nightly = pkgs.rust-bin.nightly."2020-01-01".default;
        R = nixR.R_by_date {
          date = "2021-05-20";
          r_pkg_names = [ "ggplot2" "dplyr" ];
          nix_pkgs_pkgs = pkgs;
        };
        venv = pythonSet.mkVirtualEnv "demo-env" workspace.deps.default;
        venv-editable = editableSet.mkVirtualEnv "demo-env-editable" workspace.deps.all;
      };
      devShells.${system}.default = pkgs.mkShell {
        packages = [ pkgs.hello ];
        shellHook = "export FROM_SHELL_HOOK=yes";
      };
      checks = {
        R = {
          name = self.packages.${system}.R.name;
          rPackages = builtins.attrNames self.packages.${system}.R.rPackages;
          buildInputs = map (p: p.name) self.packages.${system}.R.buildInputs;
        };
        uv2nix = {
          deps = workspace.deps;
          wheel = { inherit (pythonSet.attrs) version source; demo = pythonSet.demo.source; };
          sdist = sdistSet.attrs.source;
          setuptools = pythonSet.setuptools.source;
          editable = editableSet.demo.editable;
          venvPackages = self.packages.${system}.venv.packages;
        };
        rust = map (p: p.name) [
          self.packages.${system}.rust-minimal
          self.packages.${system}.rust-extended
          self.packages.${system}.rust-nightly
          pkgs.rust-bin.stable.latest.default
        ];
        rustDefault = rust-overlay.packages.${system}.default.name;
        lib = {
          bin = lib.makeBinPath [ pkgs.hello null ];
          attrs = lib.genAttrs [ "a" "b" ] (n: lib.optionalString (n == "a") "yes");
          joined = lib.concatStringsSep "," (lib.attrNames { y = 1; x = 2; });
          sum = lib.foldl' (a: b: a + b) 0 [ 1 2 3 ];
          fixed = (lib.fix (lib.extends (final: prev: { b = prev.a + 1; }) (final: { a = 1; }))).b;
        };
      };
    };
}
"""


@pytest.fixture(scope="session")
def nix(
    offline: dict[str, dict[str, str]],
    registry: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Nix:
    """A locked test flake over every stand-in; returns a runner for nix in it."""
    flake = tmp_path_factory.mktemp("test-flake")
    inputs = "\n".join(
        f'    {name}.url = "{spec["url"]}?rev={spec["rev"]}";'
        for name, spec in sorted(offline.items())
    )
    (flake / "flake.nix").write_text(FLAKE.replace("@INPUTS@", inputs))
    (flake / "py").mkdir()
    (flake / "py" / "uv.lock").write_text(UV_LOCK)
    subprocess.run(["git", "init", "-q"], cwd=flake, env=_env(), check=True)
    subprocess.run(["git", "add", "flake.nix", "py/uv.lock"], cwd=flake, env=_env(), check=True)
    runner = Nix(flake, registry)
    runner("flake", "lock")
    return runner


def test_revisions_are_deterministic(offline: dict[str, dict[str, str]], tmp_path: Path) -> None:
    again = make_offline_pkgs.make(tmp_path / "again")
    assert set(again) == set(make_offline_pkgs.REPOSITORIES)
    assert {n: s["rev"] for n, s in again.items()} == {n: s["rev"] for n, s in offline.items()}
    assert again["nixpkgs"]["url"] == f"git+file://{tmp_path / 'again' / 'nixpkgs'}"
    assert json.loads((tmp_path / "again" / "revisions.json").read_text()) == again


def test_make_again_changes_nothing_and_cli_prints_revisions(
    offline: dict[str, dict[str, str]],
) -> None:
    dest = Path(offline["nixpkgs"]["url"].removeprefix("git+file://")).parent
    before = {p.name: p.stat().st_ino for p in dest.iterdir()}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), str(dest)], capture_output=True, text=True, check=True
    )
    assert json.loads(proc.stdout) == offline
    assert {p.name: p.stat().st_ino for p in dest.iterdir()} == before


def _bwrap_argv(rootfs: Path) -> list[str]:
    """DESIGN.md's recipe: a tmpfs /, each top-level entry of the rootfs bound read-only."""
    argv = ["bwrap", "--tmpfs", "/"]
    for entry in sorted(rootfs.iterdir()):
        if entry.is_symlink():
            argv += ["--symlink", os.readlink(entry), f"/{entry.name}"]
        else:
            argv += ["--ro-bind", str(entry), f"/{entry.name}"]
    argv += ["--ro-bind", "/nix/store", "/nix/store", "--proc", "/proc", "--dev", "/dev"]
    argv += ["--tmpfs", "/tmp", "--clearenv", "--setenv", "PATH", "/bin", "--"]
    return argv


def test_rootfs_builds_and_runs_in_bwrap(nix: Nix) -> None:
    out = nix.build("default")
    argv = _bwrap_argv(out / "rootfs")

    def run(*cmd: str) -> str:
        proc = subprocess.run([*argv, *cmd], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    assert run("hello") == "Hello, world!\n"
    assert run("hello", "--version") == "hello (GNU hello) 2.12.1\n"
    assert run("bash", "-c", "echo $BASH_VERSION").startswith("5.")
    assert {"bash", "sh", "hello", "hello2", "ls", "cat"} <= set(run("ls", "/bin").split())
    assert run("hello2") == "Hello from tools.nested.hello2!\n"
    assert run("sh", "-c", "cat /etc/ssl/certs/ca-bundle.crt").startswith("#")
    verify = subprocess.run(
        ["nix-store", "--verify-path", str(out)], capture_output=True, text=True, check=False
    )
    assert verify.returncode == 0, verify.stderr


def test_lndir_semantics(nix: Nix) -> None:
    out = nix.build("lndir-check")
    to = out / "to"
    assert (to / "dir").is_dir() and not (to / "dir").is_symlink()
    assert (to / "dir" / "file").read_text() == "old\n"  # an existing target is left alone
    assert os.readlink(to / "dir" / "link") == "file"  # a link is copied as the same link
    deep = to / "dir" / "sub" / "deep"
    assert os.readlink(deep) == f"{out}/src/dir/sub/deep" and deep.read_text() == "new\n"
    assert not (to / "RCS").exists() and not (to / "backup~").exists()
    # a relative FROMDIR is relative to TODIR, one more "../" per level
    assert os.readlink(out / "rel" / "file") == "../to/dir/file"
    assert os.readlink(out / "rel" / "own" / "f") == "../../to/dir/own/f"
    assert (out / "rel" / "own" / "f").read_text() == "own\n"
    # without -ignorelinks, a link in FROMDIR is copied as the same (absolute) link
    assert os.readlink(out / "rel" / "sub" / "deep") == f"{out}/src/dir/sub/deep"


def test_unfree_and_insecure_are_refused_unless_allowed(nix: Nix) -> None:
    refused = nix("eval", f".#packages.{SYSTEM}.unfree-refused.drvPath", check=False)
    assert refused.returncode != 0
    assert "unfree package unfree-tool refused; set allowUnfree" in refused.stderr
    out = nix.build("unfree-allowed")
    assert subprocess.run(
        [str(out / "bin" / "unfree-tool")], capture_output=True, text=True, check=True
    ).stdout.startswith("unfree-tool 1.0")
    refused = nix("eval", f".#packages.{SYSTEM}.insecure-refused.drvPath", check=False)
    assert "insecure package insecure-tool-1.0 refused" in refused.stderr
    nix("eval", f".#packages.{SYSTEM}.insecure-allowed.drvPath")


def test_failing_fails_with_its_log(nix: Nix) -> None:
    proc = nix("build", "--no-link", "-L", ".#failing", check=False)
    assert proc.returncode != 0
    assert "building failing..." in proc.stderr
    assert "failing: log line 20" in proc.stderr


def test_nix_develop_with_mkshell(nix: Nix) -> None:
    proc = nix("develop", ".#", "-c", "sh", "-c", 'echo ok; hello; echo "$FROM_SHELL_HOOK"')
    assert proc.stdout.splitlines() == ["ok", "Hello, world!", "yes"]


def test_lib_surface(nix: Nix) -> None:
    checks = nix.eval_json("checks.lib")
    assert isinstance(checks, dict)
    assert checks["bin"].endswith("-hello-2.12.1/bin")
    assert checks["attrs"] == {"a": "yes", "b": ""}
    assert checks["joined"] == "x,y"
    assert checks["sum"] == 6
    assert checks["fixed"] == 2


def _run(*argv: str | Path) -> str:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, check=True).stdout


def test_rust_overlay(nix: Nix) -> None:
    assert nix.eval_json("checks.rust") == [
        "rust-minimal-1.55.0",
        "rust-minimal-1.80.0",
        "rust-default-1.82.0-nightly-2020-01-01",
        "rust-default-1.80.0",
    ]
    assert str(nix.eval_json("checks.rustDefault")).endswith("-1.80.0")
    minimal = nix.build("rust-minimal")
    assert _run(minimal / "bin" / "cargo", "--version") == "cargo 1.55.0 (stand-in)\n"
    assert _run(minimal / "bin" / "rustc", "--version") == "rustc 1.55.0 (stand-in)\n"
    assert not (minimal / "bin" / "rustfmt").exists()
    extended = nix.build("rust-extended")
    assert (extended / "bin" / "rustfmt").exists() and (extended / "bin" / "cargo-clippy").exists()
    assert "clippy" in (extended / "lib" / "rustlib" / "components").read_text().split()
    nightly = nix.build("rust-nightly")
    assert "2020-01-01" in _run(nightly / "bin" / "rustc", "--version")


def test_nixr(nix: Nix) -> None:
    assert nix.eval_json("checks.R") == {
        "name": "R-4.4.0-standin-2021-05-20",
        "rPackages": ["dplyr", "ggplot2"],
        "buildInputs": ["r-ggplot2-2021-05-20", "r-dplyr-2021-05-20"],
    }
    out = nix.build("R")
    assert _run(out / "bin" / "R", "--version") == "R version 4.4.0 (stand-in) date=2021-05-20\n"
    assert "packages: ggplot2 dplyr" in _run(out / "bin" / "R", "-e", "library(ggplot2)")
    library = out / "lib" / "R" / "library"
    assert sorted(p.name for p in library.iterdir()) == ["dplyr", "ggplot2"]
    assert "Package: ggplot2" in (library / "ggplot2" / "DESCRIPTION").read_text()


def test_uv2nix_and_pyproject_nix(nix: Nix) -> None:
    checks = nix.eval_json("checks.uv2nix")
    assert checks == {
        "deps": {"default": {"demo": []}, "all": {"demo": ["fancy"]}},
        "wheel": {"version": "23.1.0", "source": "wheel", "demo": "workspace"},
        "sdist": "sdist",
        "setuptools": "wheel",
        "editable": "$REPO_ROOT",
        "venvPackages": ["attrs", "demo"],
    }
    venv = nix.build("venv")
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    assert (venv / "bin" / "python").exists()
    site = venv / "lib" / "python3.12" / "site-packages"
    assert (site / "attrs" / "__init__.py").read_text() == '__version__ = "23.1.0"\n'
    assert (site / "demo" / "__init__.py").read_text() == '__version__ = "0.1.0"\n'
    assert "Version: 23.1.0" in (site / "attrs-23.1.0.dist-info" / "METADATA").read_text()
    assert (site / "attrs-23.1.0.dist-info" / "INSTALLER").read_text() == "wheel\n"
    editable = nix.build("venv-editable")
    site = editable / "lib" / "python3.12" / "site-packages"
    assert (site / "_demo_editable.pth").read_text() == "$REPO_ROOT\n"
    assert not (site / "demo").exists()
    assert (site / "attrs" / "__init__.py").exists()
