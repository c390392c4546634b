"""A host without dtach takes it from `[outside_nixpkgs]` (issue 16, item 8).

Real: nix builds the tool from a flake, bwrap runs the container, dtach runs the session
under a real tmux pane. Stood in: the host's PATH (a folder of symlinks to everything in
the usual bin folders except dtach, plus a `nix` and `nix-store` that log each call before
running the real ones) and the outside nixpkgs (a flake made by the test whose
`packages.x86_64-linux.dtach` is a wrapper script around the host's real /usr/bin/dtach
that also logs each use: the offline package set has no dtach of its own).
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import cli_argv, git
from test_sessions import ROOT, Pane

OUTSIDE = """\
{
  outputs = { self }: {
    packages.x86_64-linux.dtach = derivation {
      name = "dtach-wrapper";
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" ''
        /bin/mkdir -p $out/bin
        /bin/printf '#!/bin/sh\\necho used >> @LOG@\\nexec /usr/bin/dtach "$@"\\n' > $out/bin/dtach
        /bin/chmod +x $out/bin/dtach
      '' ];
    };
  };
}
"""

CONFIG = """\
[nixpkgs]
url = "@URL@"
rev = "@REV@"
packages = ["hello"]

[outside_nixpkgs]
url = "@OUTSIDE@"
rev = "@OUTSIDE_REV@"

[container]
runtime = "bwrap"
"""


def _outside_flake(base: Path, log: Path) -> tuple[str, str]:
    flake = base / "outside"
    flake.mkdir()
    (flake / "flake.nix").write_text(OUTSIDE.replace("@LOG@", shlex.quote(str(log))))
    git("init", "-q", cwd=flake)
    git("add", "flake.nix", cwd=flake)
    git("commit", "-qm", "outside", cwd=flake)
    return f"git+file://{flake}", git("rev-parse", "HEAD", cwd=flake)


def _path_without_dtach(base: Path, nix_log: Path) -> Path:
    """A bin folder like the host's, without dtach; nix and nix-store log their calls."""
    folder = base / "bin"
    folder.mkdir()
    for source in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        if not os.path.isdir(source):
            continue
        for name in sorted(os.listdir(source)):
            target = folder / name
            if name == "dtach" or target.exists() or target.is_symlink():
                continue
            target.symlink_to(os.path.join(source, name))
    for tool in ("nix", "nix-store"):
        real = f"/usr/bin/{tool}"  # not its realpath: nix-store is nix called by that name
        (folder / tool).unlink()
        (folder / tool).write_text(
            f'#!/bin/sh\necho {tool} "$*" >> {shlex.quote(str(nix_log))}\n'
            f'exec {shlex.quote(real)} "$@"\n'
        )
        (folder / tool).chmod(0o755)
    return folder


@pytest.fixture
def setup(tmp_path: Path, nixpkgs: dict[str, str]) -> Iterator[tuple[Path, Path, Pane]]:
    dtach_log, nix_log = tmp_path / "dtach.log", tmp_path / "nix.log"
    outside, outside_rev = _outside_flake(tmp_path, dtach_log)
    root = tmp_path / "project"
    root.mkdir()
    text = CONFIG.replace("@URL@", nixpkgs["url"]).replace("@REV@", nixpkgs["rev"])
    text = text.replace("@OUTSIDE@", outside).replace("@OUTSIDE_REV@", outside_rev)
    (root / "anysnake2.toml").write_text(text)
    bin_dir = _path_without_dtach(tmp_path, nix_log)
    pane = Pane(root)
    try:
        yield root, bin_dir, pane
    finally:
        pane.close()


def _start(pane: Pane, bin_dir: Path, marker: str) -> None:
    words = shlex.join(
        ["env", "-u", "TMUX", f"PATH={bin_dir}", "ANYSNAKE2_OFFLINE=1", f"PYTHONPATH={ROOT}"]
        + cli_argv("run", "--", "sh", "-c", f"echo {marker}-$((6*7))")
    )
    pane.type(f'{words}; echo "rc=$?"')


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_missing_dtach_comes_from_outside_nixpkgs_once(setup, tmp_path: Path) -> None:
    root, bin_dir, pane = setup
    link = root / ".anysnake2_flake" / ".gcroots" / "tool-dtach"
    assert not link.exists()
    _start(pane, bin_dir, "first")
    text = pane.wait_for(r"^rc=\d+$", timeout=300)
    assert "first-42" in text and "rc=0" in text, text
    assert "[EOF - dtach terminating]" in text  # it ran in a dtach session
    assert _lines(tmp_path / "dtach.log") == ["used"]
    nix_calls = _lines(tmp_path / "nix.log")
    assert any("build git+file://" in call and "#dtach" in call for call in nix_calls)

    # the GC root: a link under .anysnake2_flake/.gcroots that nix counts as a root
    assert link.is_symlink() and os.readlink(link).startswith("/nix/store/")
    roots = subprocess.run(
        ["nix-store", "--gc", "--print-roots"], capture_output=True, text=True, check=True
    ).stdout
    assert str(link) in roots

    # the warm path: dtach from the cached link, no nix process at all
    _start(pane, bin_dir, "second")
    text = pane.wait_for(r"^rc=\d+$", count=2, timeout=60)
    assert "second-42" in text and text.count("rc=0") == 2, text
    assert _lines(tmp_path / "dtach.log") == ["used", "used"]
    assert _lines(tmp_path / "nix.log") == nix_calls


def test_needed_tools_follow_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from anysnake2.model import AnysnakeSettings, Container, Project, Python, PythonPackage
    from anysnake2.runtime.host_tools import needed_tools
    from anysnake2.sources import parse_source

    hg = PythonPackage("lvr", source=parse_source("hg+https://example.org/lvr?rev=" + "a" * 40))
    project = Project(python=Python("3.11", packages={"lvr": hg}))
    assert needed_tools(project, run=False) == ["git", "hg"]
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no runtime at all: bwrap is the one to fetch
    assert needed_tools(project, run=True) == ["git", "hg", "bwrap", "dtach"]
    quiet = Project(
        anysnake2=AnysnakeSettings(dtach=False), container=Container(runtime="apptainer")
    )
    assert needed_tools(quiet, run=True) == ["git", "apptainer"]


def test_a_tool_nix_cannot_build_stays_missing_with_a_warning(
    tmp_path: Path, nixpkgs: dict[str, str], monkeypatch: pytest.MonkeyPatch, capfd
) -> None:
    """The offline nixpkgs has no dtach: the run goes on without a session, as before."""
    from anysnake2.model import Nixpkgs, Project
    from anysnake2.runtime.host_tools import provide

    bin_dir = _path_without_dtach(tmp_path, tmp_path / "nix.log")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("ANYSNAKE2_OFFLINE", "1")
    root = tmp_path / "project"
    (root / ".anysnake2_flake").mkdir(parents=True)
    project = Project(nixpkgs=Nixpkgs(url=nixpkgs["url"], rev=nixpkgs["rev"]))
    assert provide(project, root, "dtach") is None
    assert "could not take 'dtach' from nix" in capfd.readouterr().err
    assert not (root / ".anysnake2_flake" / ".gcroots" / "tool-dtach").exists()
    assert provide(project, root, "git") == str(bin_dir / "git")  # on PATH: no nix
