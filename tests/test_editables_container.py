"""Editable packages inside a real bwrap container (issue 8, "Done when").

The rootfs is built once per module with real nix from the offline package set
(tools/offline_pkgs), plus `/bin/python3`: a symlink to the host's Python, whose prefix and
shared libraries (/lib, /lib64) are bound read-only as `[container] volumes_ro`. So the
container's `python3` is found on the container's PATH the way a real rootfs provides it,
and the run step's environment (PYTHONPATH, PATH from the editables) is what decides
what `import` finds.
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import build_flake

from anysnake2.model import Container, Project, Python, PythonPackage
from anysnake2.runtime.detect import Runtime
from anysnake2.runtime.run import prepare, run_command

ROOT = Path(__file__).resolve().parents[1]
HOST_PREFIX = os.path.realpath(sys.base_prefix)
HOST_PYTHON = os.path.realpath(sys.executable)
BWRAP = Runtime("bwrap", "/usr/bin/bwrap", "0.8.0")

FLAKE = """\
{
  inputs.nixpkgs.url = "@NIXPKGS@";
  outputs = { self, nixpkgs }:
    let pkgs = nixpkgs.legacyPackages.x86_64-linux;
    in {
      packages.x86_64-linux.default =
        pkgs.runCommand "rootfs" { nativeBuildInputs = [ pkgs.xorg.lndir ]; } ''
          mkdir -p $out/rootfs/bin $out/rootfs/etc $out/rootfs/tmp $out/rootfs/usr
          for p in ${pkgs.bashInteractive} ${pkgs.coreutils}; do
            lndir -silent $p/bin $out/rootfs/bin
          done
          touch $out/rootfs/etc/passwd $out/rootfs/etc/group
          ln -s @PYTHON@ $out/rootfs/bin/python3
        '';
    };
}
"""


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory: pytest.TempPathFactory, nixpkgs: dict[str, str]) -> Path:
    """The container's / (built with real nix), holding /bin/python3 -> the host Python."""
    text = FLAKE.replace("@NIXPKGS@", f"{nixpkgs['url']}?rev={nixpkgs['rev']}")
    base = tmp_path_factory.mktemp("editables-rootfs")
    return build_flake(base, text.replace("@PYTHON@", HOST_PYTHON)) / "rootfs"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))


def _project(root: Path) -> Project:
    volumes = {HOST_PREFIX: HOST_PREFIX, "/lib": "/lib", "/lib64": "/lib64"}
    return Project(
        python=Python("3.11", packages={"pkg": PythonPackage("pkg", editable="code")}),
        container=Container(home=str(root / "home"), volumes_ro=volumes),
    )


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    checkout = root / "code" / "pkg"
    write(
        checkout / "src" / "pkg" / "__init__.py",
        """
        VALUE = "one"

        def main():
            import sys
            print("hello", VALUE, *sys.argv[1:])
        """,
    )
    write(
        checkout / "pyproject.toml",
        """
        [project]
        name = "pkg"
        version = "0.1"
        [project.scripts]
        pkg-hello = "pkg:main"
        """,
    )
    return root


def _run(root: Path, rootfs: Path, args: list[str]) -> int:
    return run_command(_project(root), root, "run", None, args, rootfs=rootfs, runtime=BWRAP)


IMPORT = ["python3", "-c", "import pkg; print(pkg.__file__, pkg.VALUE)"]


def test_import_resolves_to_the_checkout_and_host_edits_show_without_rebuild(
    project_dir, rootfs, capfd
) -> None:
    before = sorted(os.listdir(rootfs))
    assert _run(project_dir, rootfs, IMPORT) == 0
    out = capfd.readouterr()
    assert out.out == "/anysnake2/editable/pkg/src/pkg/__init__.py one\n", out.err
    first_argv = prepare(
        _project(project_dir), project_dir, "run", None, IMPORT, rootfs=rootfs, runtime=BWRAP
    ).argv

    # Edit on the host; the next run sees it, with the same rootfs and the same argv.
    # (a different length: the checkout is writable, so Python caches bytecode there, and
    # its cache is keyed by mtime seconds and size: a same-size edit within the same
    # second is Python's own blind spot, on any file system)
    init = project_dir / "code" / "pkg" / "src" / "pkg" / "__init__.py"
    init.write_text(init.read_text().replace('"one"', '"three"'))
    assert _run(project_dir, rootfs, IMPORT) == 0
    assert capfd.readouterr().out == "/anysnake2/editable/pkg/src/pkg/__init__.py three\n"
    again = prepare(
        _project(project_dir), project_dir, "run", None, IMPORT, rootfs=rootfs, runtime=BWRAP
    ).argv
    assert again == first_argv
    assert sorted(os.listdir(rootfs)) == before


def test_console_script_runs_in_the_container_and_follows_entry_points(
    project_dir, rootfs, capfd
) -> None:
    assert _run(project_dir, rootfs, ["pkg-hello", "a b", "c"]) == 0
    assert capfd.readouterr().out == "hello one a b c\n"
    # Python started with a cleared PYTHONPATH: the wrapper still finds the checkout.
    assert _run(project_dir, rootfs, ["env", "PYTHONPATH=", "pkg-hello"]) == 0
    assert capfd.readouterr().out == "hello one\n"

    # A new entry point appears at the next run (the wrappers are rewritten on change).
    pyproject = project_dir / "code" / "pkg" / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("pkg-hello", "pkg-greet"))
    assert _run(project_dir, rootfs, ["pkg-greet", "x"]) == 0
    assert capfd.readouterr().out == "hello one x\n"
    assert _run(project_dir, rootfs, ["sh", "-c", "command -v pkg-hello || echo gone"]) == 0
    assert capfd.readouterr().out == "gone\n"


def test_checkout_is_the_users_working_copy_inside(project_dir, rootfs, capfd) -> None:
    # edited from inside too (an editor or a notebook in the container): the host sees it
    target = "/anysnake2/editable/pkg/new.txt"
    assert _run(project_dir, rootfs, ["sh", "-c", f"echo inside > {target}"]) == 0
    assert (project_dir / "code" / "pkg" / "new.txt").read_text() == "inside\n"
    # its console scripts stay ours: read-only
    assert (
        _run(project_dir, rootfs, ["sh", "-c", "touch /anysnake2/editable_bin/pkg/x 2>/dev/null"])
        != 0
    )
