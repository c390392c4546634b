"""Mercurial, patched git and file:// Python packages are in the flake source (issue 16, 5).

Real uv against PyPI, a real mercurial repository and a real folder, real git in the flake
directory, and real nix reading the flake source: every `directory` source of the copied
uv.lock must be a relative path that exists in what nix copies to the store (only files
git tracks), resolved the way uv2nix resolves it (`workspaceRoot + "/" + directory`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from anysnake2 import _toml
from anysnake2.model import Project, Python, PythonPackage
from anysnake2.render.flake import render_flake
from anysnake2.render.resolution import Resolution
from anysnake2.resolve.local_sources import source_files
from anysnake2.resolve.python_lock import ensure_local_sources, ensure_python_lock
from anysnake2.runtime.flake_dir import write_flake_dir
from anysnake2.sources import parse_source


@pytest.fixture(scope="module", autouse=True)
def uv_cache(tmp_path_factory: pytest.TempPathFactory):
    cache = tmp_path_factory.mktemp("uv-cache")
    old = os.environ.get("UV_CACHE_DIR")
    os.environ["UV_CACHE_DIR"] = str(cache)
    yield cache
    if old is None:
        os.environ.pop("UV_CACHE_DIR", None)
    else:
        os.environ["UV_CACHE_DIR"] = old


# A flake with no inputs that answers, for each directory source of ./uv/uv.lock, whether
# nix sees its pyproject.toml in the flake source (as uv2nix's workspaceRoot + directory).
CHECK_FLAKE = """\
{
  outputs = { self }:
    let
      lock = builtins.fromTOML (builtins.readFile ./uv/uv.lock);
      dirs = builtins.filter (d: d != null)
        (map (p: p.source.directory or null) lock.package);
    in {
      seen = builtins.listToAttrs (map (d: {
        name = d;
        value = builtins.pathExists (./uv + "/${d}/pyproject.toml");
      }) dirs);
    };
}
"""


def _package(folder: Path, name: str, version: str) -> None:
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "{version}"\n\n'
        '[build-system]\nrequires = ["setuptools>=61"]\n'
        'build-backend = "setuptools.build_meta"\n'
    )
    (folder / f"{name}.py").write_text("VALUE = 1\n")
    # a source's own .gitignore must not hide its files from nix
    (folder / ".gitignore").write_text("*.py\n")


def _hg_repo(folder: Path) -> str:
    _package(folder, "tinyhg", "0.1")
    hg = ["hg", "--config", "ui.username=t <t@t>", "-R", str(folder)]
    subprocess.run(["hg", "init", str(folder)], check=True)
    subprocess.run([*hg, "add", "-q"], check=True, cwd=folder)
    subprocess.run([*hg, "commit", "-qm", "init"], check=True)
    return subprocess.run(
        [*hg, "log", "-r", ".", "-T", "{node}"], check=True, capture_output=True, text=True
    ).stdout


def _git_repo(folder: Path) -> str:
    _package(folder, "tinygit", "0.1")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(folder)]
    for args in (["init", "-q"], ["add", "-A", "-f"], ["commit", "-qm", "init"]):
        subprocess.run([*git, *args], check=True, env=env)
    return subprocess.run(
        [*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def _project(tmp_path: Path, *, with_file: bool = True) -> Project:
    rev = _hg_repo(tmp_path / "tinyhg") if not (tmp_path / "tinyhg").exists() else None
    if rev is None:
        rev = (tmp_path / "hg-rev").read_text()
    (tmp_path / "hg-rev").write_text(rev)
    packages = {
        "tinyhg": PythonPackage(
            "tinyhg", source=parse_source(f"hg+file://{tmp_path}/tinyhg?rev={rev}")
        )
    }
    if not (tmp_path / "tinygit").exists():
        (tmp_path / "git-rev").write_text(_git_repo(tmp_path / "tinygit"))
    git_rev = (tmp_path / "git-rev").read_text()
    packages["tinygit"] = PythonPackage(
        "tinygit",
        source=parse_source(f"git+file://{tmp_path}/tinygit?rev={git_rev}"),
        patch_before_lock="sed -i 's/0.1/0.2/' pyproject.toml",
    )
    if with_file:
        if not (tmp_path / "filepkg").exists():
            _package(tmp_path / "filepkg", "filepkg", "0.3")
        packages["filepkg"] = PythonPackage(
            "filepkg", source=parse_source(f"file://{tmp_path}/filepkg")
        )
    return Project(python=Python("3.11", "2024-06-01", packages))


def _write(project: Project, root: Path) -> Path:
    workspace = ensure_python_lock(project, root, offline=False)
    ensure_local_sources(project, root, offline=False)
    resolution = Resolution(python_lock=workspace, local_sources=source_files(workspace))
    rendered = render_flake(project, resolution, root=root)
    write_flake_dir(root, dataclasses.replace(rendered, flake_nix=CHECK_FLAKE))
    return root / ".anysnake2_flake"


def _ls_files(flake_dir: Path) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files"], cwd=flake_dir, check=True, capture_output=True, text=True
    ).stdout
    return out.splitlines()


def _directories(lock_text: str) -> list[str]:
    return sorted(
        p["source"]["directory"]
        for p in _toml.loads(lock_text)["package"]
        if "directory" in p["source"]
    )


def _nix_seen(flake_dir: Path) -> dict[str, bool]:
    registry = flake_dir.parent / "registry.json"
    registry.write_text('{"flakes":[],"version":2}')
    proc = subprocess.run(
        ["nix", "--extra-experimental-features", "nix-command flakes",
         "--option", "substituters", "", "--option", "flake-registry", str(registry),
         "eval", "--json", ".#seen"],
        cwd=flake_dir, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_hg_and_file_sources_are_tracked_in_the_flake_by_relative_paths(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    flake_dir = _write(_project(tmp_path), root)
    lock = (flake_dir / "uv" / "uv.lock").read_text()
    rev = (tmp_path / "hg-rev").read_text()
    git_rev = (tmp_path / "git-rev").read_text()
    dirs = _directories(lock)
    assert dirs == [
        "sources/file/filepkg",
        f"sources/hg/tinyhg-{rev}",
        f"sources/patched/tinygit-{git_rev}",
    ]
    assert str(tmp_path) not in lock
    for directory in dirs:
        assert not directory.startswith("/") and ".." not in directory.split("/")
    tracked = _ls_files(flake_dir)
    for directory in dirs:
        for name in ("pyproject.toml", ".gitignore"):
            assert f"uv/{directory}/{name}" in tracked
    assert "uv/sources/file/filepkg/filepkg.py" in tracked
    assert f"uv/sources/hg/tinyhg-{rev}/tinyhg.py" in tracked
    patched = flake_dir / f"uv/sources/patched/tinygit-{git_rev}/pyproject.toml"
    assert 'version = "0.2"' in patched.read_text()
    assert not [f for f in tracked if re.search(r"(^|/)\.(hg|git)/", f)]
    # nix itself reads them from the flake source, the way uv2nix joins the paths
    assert _nix_seen(flake_dir) == {d: True for d in dirs}


def test_sources_are_deterministic_and_pruned(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    flake_dir = _write(_project(tmp_path), root)
    first = _ls_files(flake_dir)
    # an edit of the file:// folder reaches the flake copy at the next write
    (tmp_path / "filepkg" / "filepkg.py").write_text("VALUE = 2\n")
    _write(_project(tmp_path), root)
    assert (flake_dir / "uv/sources/file/filepkg/filepkg.py").read_text() == "VALUE = 2\n"
    assert _ls_files(flake_dir) == first
    # the file:// package dropped: its copy leaves the flake source
    _write(_project(tmp_path, with_file=False), root)
    tracked = _ls_files(flake_dir)
    assert not [f for f in tracked if f.startswith("uv/sources/file/")]
    assert not (flake_dir / "uv/sources/file").exists()
    assert [f for f in tracked if f.startswith("uv/sources/hg/")]


def test_relative_file_url_is_relative_to_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    _package(root / "local" / "relpkg", "relpkg", "1.0")
    monkeypatch.chdir(tmp_path)  # not the project root: the URL must not depend on it
    package = PythonPackage("relpkg", source=parse_source("file://./local/relpkg"))
    project = Project(python=Python("3.11", "2024-06-01", {"relpkg": package}))
    flake_dir = _write(project, root)
    assert _directories((flake_dir / "uv" / "uv.lock").read_text()) == ["sources/file/relpkg"]
    assert "uv/sources/file/relpkg/relpkg.py" in _ls_files(flake_dir)


def test_build_flake_through_the_cli_tracks_the_sources(tmp_path: Path, offline_pkgs) -> None:
    """The same through `anysnake2 build flake` (the full path: clones, lock, render)."""
    from conftest import run_cli

    _project(tmp_path)  # makes the hg and git repositories and the file:// folder
    hg_rev, git_rev = (tmp_path / "hg-rev").read_text(), (tmp_path / "git-rev").read_text()
    root = tmp_path / "project"
    root.mkdir()
    nixpkgs = offline_pkgs["nixpkgs"]
    (root / "anysnake2.toml").write_text(
        f'[nixpkgs]\nurl = "{nixpkgs["url"]}"\nrev = "{nixpkgs["rev"]}"\n\n'
        '[python]\nversion = "3.11"\necosystem_date = "2024-06-01"\n\n[python.packages]\n'
        f'tinyhg = {{ url = "hg+file://{tmp_path}/tinyhg?rev={hg_rev}" }}\n'
        f'filepkg = {{ url = "file://{tmp_path}/filepkg" }}\n'
        f'tinygit = {{ url = "git+file://{tmp_path}/tinygit?rev={git_rev}", '
        "patch_before_lock = \"sed -i 's/0.1/0.2/' pyproject.toml\" }\n"
    )
    proc = run_cli("build", "flake", cwd=root)
    assert proc.returncode == 0, proc.stderr
    flake_dir = root / ".anysnake2_flake"
    dirs = _directories((flake_dir / "uv" / "uv.lock").read_text())
    assert dirs == [
        "sources/file/filepkg",
        f"sources/hg/tinyhg-{hg_rev}",
        f"sources/patched/tinygit-{git_rev}",
    ]
    recorded = (root / "anysnake2.uv.lock").read_text()
    assert str(tmp_path) not in recorded
    tracked = _ls_files(flake_dir)
    for directory in dirs:
        assert f"uv/{directory}/pyproject.toml" in tracked
