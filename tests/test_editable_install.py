"""Editable packages are installed: metadata, entry points, in run and in develop (issue 16, 7).

The container is real bwrap over a rootfs built with real nix (the one of
test_editables_container: the offline package set plus `/bin/python3`, a symlink to the
host's Python, whose prefix and /lib, /lib64 are bound read-only; the offline set has no
interpreter of its own yet). `develop` is a real `nix develop` of a devShell from the
offline package set, run with the environment `anysnake2 develop` gives it, and the
host's Python inside it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_editables_container import BWRAP, HOST_PREFIX, rootfs  # noqa: F401 (fixture)

from anysnake2.model import Container, Project, Python, PythonPackage
from anysnake2.runtime.run import run_command

METADATA = (
    "import importlib.metadata as m, json; d = m.distribution('pkg'); "
    "print(m.version('pkg'), m.version('legacy'), "
    "sorted(e.name for e in m.entry_points(group='console_scripts') "
    "if e.dist.name in ('pkg', 'legacy')), "
    "json.loads(d.read_text('direct_url.json'))['dir_info'], "
    "m.packages_distributions().get('legacy'))"
)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))


def _project(root: Path) -> Project:
    volumes = {HOST_PREFIX: HOST_PREFIX, "/lib": "/lib", "/lib64": "/lib64"}
    packages = {
        "pkg": PythonPackage("pkg", editable="code"),
        "legacy": PythonPackage("legacy", editable="code"),
    }
    return Project(
        python=Python("3.11", packages=packages),
        container=Container(home=str(root / "home"), volumes_ro=volumes),
    )


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(
        root / "code" / "pkg" / "src" / "pkg" / "__init__.py",
        """
        VALUE = "one"

        def main():
            print("hello", VALUE)
        """,
    )
    write(
        root / "code" / "pkg" / "pyproject.toml",
        """
        [project]
        name = "pkg"
        version = "0.1"
        dependencies = ["attrs>=20"]
        [project.scripts]
        pkg-hello = "pkg:main"
        [project.entry-points."pkg.plugins"]
        one = "pkg:main"
        """,
    )
    # setup.py only: metadata and entry points from literal setup() arguments
    write(
        root / "code" / "legacy" / "setup.py",
        """
        from setuptools import setup

        setup(
            name="legacy",
            version="2.5.1",
            py_modules=["legacy"],
            install_requires=["attrs>=21", "packaging"],
            entry_points={"console_scripts": ["legacy-run = legacy:run"]},
        )
        """,
    )
    write(
        root / "code" / "legacy" / "legacy.py",
        """
        def run():
            import importlib.metadata
            print("legacy", importlib.metadata.version("legacy"))
        """,
    )
    return root


def _run(root: Path, rootfs: Path, args: list[str]) -> int:  # noqa: F811
    return run_command(_project(root), root, "run", None, args, rootfs=rootfs, runtime=BWRAP)


EXPECTED = "0.1 2.5.1 ['legacy-run', 'pkg-hello'] {'editable': True} ['legacy']\n"


def test_metadata_and_entry_points_in_the_container(project_dir, rootfs, capfd) -> None:  # noqa: F811
    assert _run(project_dir, rootfs, ["python3", "-c", METADATA]) == 0
    out = capfd.readouterr()
    assert out.out == EXPECTED, out.err
    # the entry point from setup.py runs, and so does one from pyproject.toml
    assert _run(project_dir, rootfs, ["legacy-run"]) == 0
    assert capfd.readouterr().out == "legacy 2.5.1\n"
    assert _run(project_dir, rootfs, ["pkg-hello"]) == 0
    assert capfd.readouterr().out == "hello one\n"
    # a plugin group entry point, loaded through importlib.metadata
    code = "import importlib.metadata as m; (e,) = m.entry_points(group='pkg.plugins'); e.load()()"
    assert _run(project_dir, rootfs, ["python3", "-c", code]) == 0
    assert capfd.readouterr().out == "hello one\n"
    # Requires-Dist in the metadata
    code = "import importlib.metadata as m; print(m.requires('pkg'), m.requires('legacy'))"
    assert _run(project_dir, rootfs, ["python3", "-c", code]) == 0
    assert capfd.readouterr().out == "['attrs>=20'] ['attrs>=21', 'packaging']\n"


def test_edits_show_without_rebuild_and_metadata_follows(project_dir, rootfs, capfd) -> None:  # noqa: F811
    before = sorted(os.listdir(rootfs))
    init = project_dir / "code" / "pkg" / "src" / "pkg" / "__init__.py"
    init.write_text(init.read_text().replace('"one"', '"three"'))
    assert _run(project_dir, rootfs, ["pkg-hello"]) == 0
    assert capfd.readouterr().out == "hello three\n"
    # a new version in pyproject.toml: the next run (not the warm path: the metadata files
    # are part of the state hash) installs the new metadata, with the same rootfs
    pyproject = project_dir / "code" / "pkg" / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"0.1"', '"0.2"'))
    code = "import importlib.metadata as m; print(m.version('pkg'))"
    assert _run(project_dir, rootfs, ["python3", "-c", code]) == 0
    assert capfd.readouterr().out == "0.2\n"
    site = project_dir / ".anysnake2_flake" / "editable_site" / "run"
    assert sorted(p.name for p in site.iterdir()) == [
        "__editable__.legacy-2.5.1.pth",
        "__editable__.pkg-0.2.pth",
        "legacy-2.5.1.dist-info",
        "pkg-0.2.dist-info",
    ]
    assert sorted(os.listdir(rootfs)) == before


def test_develop_sees_the_editables(project_dir, tmp_path: Path, nixpkgs) -> None:
    """`nix develop` with the environment of `anysnake2 develop` (host paths)."""
    from anysnake2.runtime.editables import develop_env

    flake = tmp_path / "shell"
    flake.mkdir()
    (flake / "flake.nix").write_text(
        "{\n"
        f'  inputs.nixpkgs.url = "{nixpkgs["url"]}?rev={nixpkgs["rev"]}";\n'
        "  outputs = { self, nixpkgs }: let pkgs = nixpkgs.legacyPackages.x86_64-linux; in {\n"
        "    devShells.x86_64-linux.default = pkgs.mkShell { packages = [ pkgs.hello ]; };\n"
        "  };\n"
        "}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run(["git", "init", "-q"], cwd=flake, check=True, env=env)
    subprocess.run(["git", "add", "flake.nix"], cwd=flake, check=True, env=env)
    (tmp_path / "registry.json").write_text('{"flakes":[],"version":2}')
    env = develop_env(_project(project_dir), project_dir, env)
    script = f'hello >/dev/null && {sys.executable} -c "$1" && pkg-hello && legacy-run'
    proc = subprocess.run(
        ["nix", "--extra-experimental-features", "nix-command flakes",
         "--option", "substituters", "", "--option", "flake-registry",
         str(tmp_path / "registry.json"), "develop", str(flake), "-c",
         "sh", "-c", script, "sh", METADATA],
        cwd=project_dir, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == EXPECTED + "hello one\nlegacy 2.5.1\n"
    site = project_dir / ".anysnake2_flake" / "editable_site" / "develop"
    info = json.loads((site / "pkg-0.1.dist-info" / "direct_url.json").read_text())
    assert info["url"] == f"file://{project_dir / 'code' / 'pkg'}"


def test_setup_py_dependencies_join_the_lock(project_dir) -> None:
    from anysnake2.resolve.editable_deps import editable_requirements

    project = _project(project_dir)
    assert editable_requirements(project, project_dir) == ["attrs>=20", "attrs>=21", "packaging"]
