"""The flake directory on disk: written, git-tracked, built by real nix offline."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git, run_cli

from anysnake2.defaults import DEFAULT_INPUTS
from anysnake2.model import DevShell, Input, Nixpkgs, Project, Python, PythonPackage, R, Rust
from anysnake2.render.flake import render_flake
from anysnake2.render.resolution import Resolution
from anysnake2.render.uvlock import lock_for_uv2nix
from anysnake2.runtime.flake_dir import write_flake_dir

REPO = Path(__file__).resolve().parents[1]
SHA = "0123456789abcdef0123456789abcdef01234567"
NIX = [
    "nix",
    "--extra-experimental-features",
    "nix-command flakes",
    "--option",
    "substituters",
    "",
]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def _tracked(flake_dir: Path) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files"], cwd=flake_dir, capture_output=True, text=True, check=True, env=_env()
    )
    return sorted(out.stdout.split())


@pytest.fixture(scope="module")
def uv_lock(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python lock workspace made with uv directly (no dependencies: no network)."""
    work = tmp_path_factory.mktemp("lock")
    (work / "pyproject.toml").write_text(
        '[project]\nname = "anysnake2-test"\nversion = "0.1.0"\n'
        'requires-python = ">=3.8"\ndependencies = []\n'
    )
    uv = REPO / ".venv" / "bin" / "uv"
    subprocess.run([str(uv), "lock", "--offline", "-q"], cwd=work, check=True, env=_env())
    return work


def test_write_tracks_files_keeps_old_and_reports_changes(tmp_path: Path, uv_lock: Path) -> None:
    project = Project(
        nixpkgs=Nixpkgs(url="github:NixOS/nixpkgs", rev=SHA, packages=("hello",)),
        python=Python(version="3.12"),
    )
    rendered = render_flake(project, Resolution(python_lock=uv_lock), root=tmp_path)
    assert write_flake_dir(tmp_path, rendered) is True
    flake_dir = tmp_path / ".anysnake2_flake"
    assert _tracked(flake_dir) == [".gitignore", "flake.nix", "uv/pyproject.toml", "uv/uv.lock"]
    # the copy is in the form every uv2nix revision reads (render/uvlock.py)
    expected = lock_for_uv2nix((uv_lock / "uv.lock").read_text())
    assert (flake_dir / "uv" / "uv.lock").read_text() == expected
    assert not (flake_dir / "flake.nix.old").exists()
    assert write_flake_dir(tmp_path, rendered) is False
    first = (flake_dir / "flake.nix").read_text()
    changed = render_flake(
        project.replace(nixpkgs=Nixpkgs(url="github:NixOS/nixpkgs", rev=SHA, packages=("fish",))),
        Resolution(python_lock=uv_lock),
        root=tmp_path,
    )
    assert write_flake_dir(tmp_path, changed) is True
    assert (flake_dir / "flake.nix.old").read_text() == first
    assert "pkgs.fish" in (flake_dir / "flake.nix").read_text()
    assert "flake.nix.old" not in _tracked(flake_dir)


def test_a_changed_flake_nix_replaces_the_file_whole(tmp_path: Path) -> None:
    """flake.nix is replaced by a rename, never rewritten in place: whoever reads the old
    file (nix, a second anysnake2) never sees half of the new one; no temporary file stays."""
    nixpkgs = Nixpkgs(url="github:NixOS/nixpkgs", rev=SHA, packages=("hello",))
    write_flake_dir(tmp_path, render_flake(Project(nixpkgs=nixpkgs), Resolution(), root=tmp_path))
    flake_nix = tmp_path / ".anysnake2_flake" / "flake.nix"
    old = flake_nix.read_bytes()
    changed = Project(nixpkgs=Nixpkgs(url="github:NixOS/nixpkgs", rev=SHA, packages=("fish",)))
    with open(flake_nix, "rb") as held:
        assert write_flake_dir(tmp_path, render_flake(changed, Resolution(), root=tmp_path))
        assert held.read() == old  # the file open before is the old one, whole
    assert "pkgs.fish" in flake_nix.read_text()
    assert oct(flake_nix.stat().st_mode & 0o777) == oct(0o644)
    assert not [p.name for p in flake_nix.parent.iterdir() if p.name.endswith(".tmp")]


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env=_env())


def test_build_flake_command_writes_a_tracked_flake(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.toml").write_text(
        f'[nixpkgs]\nurl = "github:NixOS/nixpkgs"\nrev = "{SHA}"\npackages = ["hello"]\n'
    )
    result = _cli(tmp_path, "build", "flake")
    assert result.returncode == 0, result.stderr
    flake_dir = tmp_path / ".anysnake2_flake"
    assert "flake.nix" in _tracked(flake_dir)
    assert f"github:NixOS/nixpkgs/{SHA}" in (flake_dir / "flake.nix").read_text()
    assert "not fully pinned" not in result.stderr


def test_build_without_or_with_unknown_target_lists_targets(tmp_path: Path) -> None:
    for args in (["build"], ["build", "nonsense"]):
        result = _cli(tmp_path, *args)
        assert result.returncode == 64
        assert "flake" in result.stderr and "targets" in result.stderr


def _load_offline_maker():
    script = REPO / "tools" / "offline_pkgs" / "make_offline_pkgs.py"
    spec = importlib.util.spec_from_file_location("make_offline_pkgs_render", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _empty_override_collection(folder: Path) -> Input:
    """A stand-in for uv2nix_hammer_overrides (GitHub is out of reach): its interface, no
    overrides (`overrides = nixpkgs_pkgs: final: prev: { ... }`, as in its flake.nix)."""
    folder.mkdir()
    (folder / "flake.nix").write_text(
        "{ outputs = { self }: { overrides = nixpkgs_pkgs: final: prev: { }; }; }\n"
    )
    for args in (["init", "-q"], ["add", "flake.nix"], ["commit", "-q", "-m", "stand-in"]):
        git(*args, cwd=folder)
    rev = git("rev-parse", "HEAD", cwd=folder)
    return Input(url=f"git+file://{folder}", rev=rev)


@pytest.mark.needs_shared
def test_rendered_flake_builds_a_rootfs_with_real_nix(
    tmp_path: Path, uv_lock: Path, honest_pkgs: dict[str, dict[str, str]], upstream
) -> None:
    """The offline stand-ins (tools/offline_pkgs, nixpkgs on the real nixpkgs lib: the
    flake uses lib.versionOlder, trivial.release, getLib...) stand in for nixpkgs and the
    helpers."""
    revisions = honest_pkgs
    pin = {name: Input(url=v["url"], rev=v["rev"]) for name, v in revisions.items()}
    project = Project(
        nixpkgs=Nixpkgs(
            url=pin["nixpkgs"].url,
            rev=pin["nixpkgs"].rev,
            packages=("hello", "tools.nested.hello2"),
        ),
        python=Python(
            version="3.12",
            packages={
                "anysnake2-test": PythonPackage(
                    "anysnake2-test",
                    override_attrs={"postInstall": "''\n  touch $out/override\n''"},
                )
            },
        ),
        r=R(packages=("ACA",), date="2024-05-10", url=pin["nixR"].url, rev=pin["nixR"].rev),
        rust=Rust(version="1.55.0", url=pin["rust-overlay"].url, rev=pin["rust-overlay"].rev),
        inputs={
            **{n: pin[n] for n in ("uv2nix", "pyproject-nix", "build-system-pkgs")},
            "uv2nix_hammer_overrides": _empty_override_collection(tmp_path / "collection"),
            "nixpkgs-lib": Input(
                url=f"git+file://{upstream.repo('nix-community/nixpkgs.lib')}",
                rev=DEFAULT_INPUTS["nixpkgs-lib"].rev,
            ),
        },
        dev_shell=DevShell(inputs=("cowsay",)),
    )
    root = tmp_path / "project"
    root.mkdir()
    rendered = render_flake(project, Resolution(python_lock=uv_lock), root=root)
    assert rendered.warnings == ()
    write_flake_dir(root, rendered)
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({"flakes": [], "version": 2}))
    flake_dir = root / ".anysnake2_flake"
    build = subprocess.run(
        [*NIX, "--option", "flake-registry", str(registry), "build", ".#default"],
        cwd=flake_dir,
        capture_output=True,
        text=True,
        check=False,
        env=_env(),
    )
    assert build.returncode == 0, build.stderr
    rootfs = flake_dir / "result" / "rootfs"
    for tool in ("hello", "hello2", "bash", "cat", "R", "cargo", "python3"):
        assert (rootfs / "bin" / tool).exists(), tool
    assert os.readlink(rootfs / "usr" / "bin") == "/bin"
    assert (rootfs / "etc" / "passwd").read_text() == ""
    assert (rootfs / "etc" / "group").read_text() == ""
    bashrc = (rootfs / "etc" / "bashrc").read_text()
    assert "export SSL_CERT_FILE=/etc/ssl/certs/ca-bundle.crt" in bashrc
    assert "export R_LIBS_SITE=/R_libs" in bashrc
    assert (rootfs / "etc" / "ssl" / "certs" / "ca-bundle.crt").exists()
    assert (rootfs / "pyvenv.cfg").exists()
    assert (rootfs / "R_libs" / "ACA").exists()
    venv = Path(os.readlink(rootfs / "pyvenv.cfg")).parent
    reqs = (flake_dir / "result" / "reqs.sh").read_text().split()
    assert "coreutils" in reqs[0]
    assert reqs[-1] == str(venv)
    # bin/hello: later packages win, and the first linked is the last listed
    assert "hello" in os.readlink(rootfs / "bin" / "hello")


def test_only_the_workspace_lock_is_rewritten(tmp_path: Path) -> None:
    """A local source's own uv.lock (below uv/sources/) is copied byte for byte."""
    lock = 'version = 1\nrevision = 3\nrequires-python = ">=3.11"\n'
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "uv.lock").write_text(lock)
    (tmp_path / "ws" / "pyproject.toml").write_text("[project]\n")
    (tmp_path / "own.lock").write_text(lock)
    project = Project(nixpkgs=Nixpkgs(rev=SHA), python=Python(version="3.12"))
    rendered = render_flake(project, Resolution(python_lock=tmp_path / "ws"), root=tmp_path)
    copies = dict(rendered.copies.sorted_items())
    copies["uv/sources/hg/x-1/uv.lock"] = tmp_path / "own.lock"
    rendered = type(rendered)(rendered.flake_nix, type(rendered.copies)(copies), ())
    write_flake_dir(tmp_path, rendered)
    flake_dir = tmp_path / ".anysnake2_flake"
    assert "revision" not in (flake_dir / "uv" / "uv.lock").read_text()
    assert (flake_dir / "uv" / "sources" / "hg" / "x-1" / "uv.lock").read_text() == lock
