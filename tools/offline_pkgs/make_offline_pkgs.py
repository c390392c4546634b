#!/usr/bin/env python3
"""Make the offline package set: small git repositories that stand in for flake inputs.

``python tools/offline_pkgs/make_offline_pkgs.py DEST`` creates, under DEST, one git
repository per stand-in (nixpkgs, rust-overlay, nixR, uv2nix, pyproject-nix,
build-system-pkgs), each with exactly one commit whose revision is the same on every
machine that has the same Debian ``busybox-static`` and ``bash-static``: fixed author,
committer and dates, no signing, no user or system git config, file modes set here.

``--nixpkgs-lib PATH`` builds the nixpkgs stand-in on a real nixpkgs lib with the honest
layer (``nix/nixpkgs/honest``); ``--host-tools`` also copies the host's Python and uv into
it (host_tools.py), which makes its revision depend on this machine.

It prints ``{name: {"url": "git+file:///abs/DEST/name", "rev": sha}}`` as JSON and writes
the same to ``DEST/revisions.json``. Running it again on the same DEST changes nothing.

Tests import :func:`make` (the file is not part of the ``anysnake2`` package)::

    sys.path.insert(0, "tools/offline_pkgs")
    from make_offline_pkgs import make
    revisions = make(tmp_path)

Standard library only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from host_tools import write_host_tools

__all__ = ["REPOSITORIES", "main", "make"]

HERE = Path(__file__).resolve().parent
NIX_SOURCES = HERE / "nix"

#: The stand-in repositories, in the order they are made; each is the folder of the same
#: name under ``nix/`` (the nixpkgs one also gets the two static binaries).
REPOSITORIES: tuple[str, ...] = (
    "nixpkgs",
    "rust-overlay",
    "nixR",
    "pyproject-nix",
    "uv2nix",
    "build-system-pkgs",
)

BUSYBOX = Path("/bin/busybox")
BASH_STATIC = Path("/bin/bash-static")


class Options(NamedTuple):
    """What goes into the nixpkgs stand-in beyond busybox and bash."""

    nixpkgs_lib: Path | None = None
    host_tools: bool = False


_IDENTITY = "anysnake2 offline package set"
_EMAIL = "offline-pkgs@anysnake2.invalid"
_DATE = "2020-01-01T00:00:00Z"


def _git_env() -> dict[str, str]:
    """Return an environment that makes ``git commit`` reproducible.

    Every inherited ``GIT_*`` variable is dropped (a caller running inside a git hook
    would otherwise point us at its own repository), user and system config are ignored.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_GLOBAL="/dev/null",
        GIT_CONFIG_SYSTEM="/dev/null",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME=_IDENTITY,
        GIT_AUTHOR_EMAIL=_EMAIL,
        GIT_AUTHOR_DATE=_DATE,
        GIT_COMMITTER_NAME=_IDENTITY,
        GIT_COMMITTER_EMAIL=_EMAIL,
        GIT_COMMITTER_DATE=_DATE,
        TZ="UTC",
        LC_ALL="C",
    )
    return env


def _git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with the reproducible environment; return stripped stdout."""
    proc = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        env=_git_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"git {' '.join(args)} failed in {repo} (exit {proc.returncode}): {proc.stderr.strip()}"
        )
    return proc.stdout.strip()


def _tool_version(argv: list[str], pattern: str) -> str:
    """Read a version number from what ``argv`` prints (stdout and stderr)."""
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    match = re.search(pattern, proc.stdout + proc.stderr)
    if not match:
        raise RuntimeError(f"cannot read a version from {' '.join(argv)}")
    return match.group(1)


def _copy_tree(src: Path, dst: Path) -> None:
    """Copy the Nix sources of one stand-in: regular files only, mode 0644."""
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_dir() or "__pycache__" in rel.parts:
            continue
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        target.chmod(0o644)


def _fill(name: str, work: Path, busybox: Path, bash: Path, options: Options) -> None:
    """Write the files of repository ``name`` into the empty folder ``work``."""
    _copy_tree(NIX_SOURCES / name, work)
    if name != "nixpkgs":
        return
    if options.nixpkgs_lib is not None:
        lib = _lib_folder(options.nixpkgs_lib)
        _copy_tree(lib, work / "lib")
        # lib before 2024 reads the release from nixpkgs' root .version
        if (lib.parent / ".version").is_file() and not (lib / ".version").is_file():
            shutil.copyfile(lib.parent / ".version", work / ".version")
    boot = work / "bootstrap"
    boot.mkdir()
    for src, dst in ((busybox, boot / "busybox"), (bash, boot / "bash")):
        shutil.copyfile(src, dst)
        dst.chmod(0o755)
    busybox_version = _tool_version([str(busybox), "--help"], r"BusyBox v([0-9][0-9.]*)")
    bash_version = _tool_version([str(bash), "--version"], r"version ([0-9][0-9.]*)")
    (boot / "versions.nix").write_text(
        "# Written by make_offline_pkgs.py from the binaries' own --version output.\n"
        f'{{ busybox = "{busybox_version}"; bash = "{bash_version}"; }}\n'
    )
    if options.nixpkgs_lib is not None:
        write_host_tools(boot, with_binaries=options.host_tools)


def _lib_folder(path: Path) -> Path:
    """The `lib` folder of a nixpkgs or nixpkgs.lib checkout (or that folder itself)."""
    path = Path(path)
    for candidate in (path / "lib", path):
        if (candidate / "default.nix").is_file() and (candidate / "fixed-points.nix").is_file():
            return candidate
    raise FileNotFoundError(f"{path} is not a nixpkgs lib checkout (no lib/fixed-points.nix)")


def _commit(work: Path, name: str) -> str:
    """Turn ``work`` into a git repository with one reproducible commit; return its sha."""
    _git(work, "init", "--quiet", "--template=", "--object-format=sha1")
    _git(work, "add", "--all")
    _git(work, "commit", "--quiet", "--no-verify", "-m", f"offline stand-in: {name}")
    return _git(work, "rev-parse", "HEAD")


def _holds(repo: Path, sha: str) -> bool:
    """Tell whether ``repo`` is a clean checkout of commit ``sha``."""
    if not (repo / ".git").is_dir():
        return False
    try:
        head = _git(repo, "rev-parse", "HEAD")
        status = _git(repo, "status", "--porcelain", "--untracked-files=all")
    except RuntimeError:
        return False
    return head == sha and status == ""


def _make_one(dest: Path, name: str, busybox: Path, bash: Path, options: Options) -> str:
    """Make repository ``dest/name`` unless it already holds the same commit."""
    target = dest / name
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=dest))
    work.chmod(0o755)
    try:
        _fill(name, work, busybox, bash, options)
        sha = _commit(work, name)
        if _holds(target, sha):
            return sha
        if target.exists() or target.is_symlink():
            if not target.is_dir() or not ((target / ".git").is_dir() or not any(target.iterdir())):
                raise RuntimeError(f"{target} exists and is not a repository made here")
            shutil.rmtree(target)
        try:
            os.replace(work, target)
        except OSError:
            # Another process made the same repository meanwhile: fine if it is the same.
            if not _holds(target, sha):
                raise
        return sha
    finally:
        if work.exists():
            shutil.rmtree(work)


def make(
    dest: Path,
    *,
    busybox: Path = BUSYBOX,
    bash: Path = BASH_STATIC,
    nixpkgs_lib: Path | None = None,
    host_tools: bool = False,
) -> dict[str, dict[str, str]]:
    """Make (or confirm) every stand-in repository under ``dest``.

    With ``nixpkgs_lib`` (a checkout of nixpkgs or nixpkgs.lib), the nixpkgs stand-in is
    built on that real lib and gains the layer in ``nix/nixpkgs/honest`` (stdenv,
    makeSetupHook, fetchurl, interpreters) that the real uv2nix and pyproject.nix need;
    ``host_tools`` then also copies the host's Python and uv with their libraries into it
    (see host_tools.py), so that the real builders can run.

    Returns ``{name: {"url": "git+file:///abs/dest/name", "rev": sha}}`` and writes the
    same JSON to ``dest/revisions.json``. Repositories that already hold the expected
    commit and the JSON file, when unchanged, are left untouched.

    Example::

        revs = make(Path("/tmp/offline"))
        revs["nixpkgs"]["url"] + "?rev=" + revs["nixpkgs"]["rev"]
    """
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    for binary in (busybox, bash):
        if not binary.is_file():
            raise FileNotFoundError(
                f"{binary} is missing: install Debian's busybox-static and bash-static"
            )
    options = Options(nixpkgs_lib, host_tools)
    revisions = {
        name: {
            "url": f"git+file://{dest / name}",
            "rev": _make_one(dest, name, busybox, bash, options),
        }
        for name in REPOSITORIES
    }
    text = json.dumps(revisions, indent=2, sort_keys=True) + "\n"
    out = dest / "revisions.json"
    if not out.is_file() or out.read_text() != text:
        out.write_text(text)
    return revisions


def main(argv: list[str] | None = None) -> int:
    """Command line entry: ``make_offline_pkgs.py [--nixpkgs-lib PATH [--host-tools]] DEST``;
    prints the revisions as JSON."""
    args = list(sys.argv[1:] if argv is None else argv)
    lib_path: Path | None = None
    host = "--host-tools" in args
    if host:
        args.remove("--host-tools")
    if len(args) == 3 and args[0] == "--nixpkgs-lib":
        lib_path = Path(args[1])
        args = args[2:]
    if len(args) != 1 or args[0] in ("-h", "--help") or (host and lib_path is None):
        print(
            f"usage: {Path(sys.argv[0]).name} [--nixpkgs-lib PATH [--host-tools]] DEST",
            file=sys.stderr,
        )
        return 64
    try:
        revisions = make(Path(args[0]), nixpkgs_lib=lib_path, host_tools=host)
    except (OSError, RuntimeError) as exc:
        print(f"make_offline_pkgs: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(revisions, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
