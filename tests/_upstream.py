"""The real upstream helper flakes (../shared/upstream/*.bundle) as local git repositories.

`Upstream(shared, dest)` clones every bundle once into `dest` (the session fixture
`upstream` in conftest.py does this once per test session). `Upstream.overrides(flake_nix,
...)` reads the inputs of a rendered flake.nix and returns the `--override-input NAME URL`
arguments that point each helper input at `git+file://<clone>?rev=<rev>`, where the rev is
the one the rendered URL pins, else our default from anysnake2/defaults.py. The
flake itself is not edited.

Inputs of a helper that our flake does not `follows` (nix 2.8 would fetch them from GitHub
through the helper's own flake.lock) are overridden too, as `NAME/SUB`: with the bundle
of the repository the helper's flake.lock names, the nixpkgs stand-in for nixpkgs, and an
empty stand-in flake for anything else (e.g. uv2nix_hammer_overrides' treefmt-nix, only
used for its formatter output).

Two stand-ins where a bundle cannot serve: `hammer_standin()` (the uv2nix_hammer_overrides
bundle is one snapshot without the override files its collected.nix imports; every pin is
served by the snapshot plus no-op override files, recorded in `substitutions`), and
`nixpkgs_lib(release)` (nixpkgs' lib as of a release, from the nixpkgs.lib bundle's
history, for the nixpkgs stand-in of a config naming that release).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from anysnake2.defaults import DEFAULT_INPUTS

__all__ = [
    "BUNDLES",
    "NIX",
    "SNAPSHOTS",
    "FlakeInput",
    "Upstream",
    "flake_inputs",
    "nix_env",
    "nixpkgs_release",
]

# `owner/repo` on GitHub (lower case) → bundle name in ../shared/upstream (without .bundle)
BUNDLES: dict[str, str] = {
    "pyproject-nix/uv2nix": "pyproject-nix+uv2nix",
    "adisbladis/uv2nix": "pyproject-nix+uv2nix",
    "pyproject-nix/pyproject.nix": "pyproject-nix+pyproject.nix",
    "nix-community/pyproject.nix": "pyproject-nix+pyproject.nix",
    "adisbladis/pyproject.nix": "pyproject-nix+pyproject.nix",
    "pyproject-nix/build-system-pkgs": "pyproject-nix+build-system-pkgs",
    "oxalica/rust-overlay": "oxalica+rust-overlay",
    "numtide/flake-utils": "numtide+flake-utils",
    "nix-systems/default": "nix-systems+default",
    "tyberiusprime/uv2nix_hammer_overrides": "TyberiusPrime+uv2nix_hammer_overrides",
    "nix-community/nixpkgs.lib": "nix-community+nixpkgs.lib",
}
NIXPKGS_REPOS = ("nixos/nixpkgs",)

# Bundles holding one snapshot commit instead of the history (../shared/upstream/README.md):
# `owner/repo` → the upstream revision the snapshot was taken from. Any revision a config
# pins for these is served by the snapshot, and recorded in `Upstream.substitutions`.
SNAPSHOTS: dict[str, str] = {
    "tyberiusprime/uv2nix_hammer_overrides": "efc9f213860490692e27f0854e26b8ac62acfff3",
}
HAMMER = "tyberiusprime/uv2nix_hammer_overrides"
SYSTEMS = "nix-systems/default"
# Bump when the hammer stand-in is made differently (its cached copy is then made anew).
STANDIN_VERSION = "1"

NIX = [
    "nix",
    "--extra-experimental-features",
    "nix-command flakes",
    "--option",
    "substituters",
    "",
]

_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_INPUT = re.compile(r"^    ([A-Za-z0-9_'-]+) = \{\n((?:      .*\n)*?)    \};", re.MULTILINE)


def standin_cache() -> Path:
    """Where stand-ins made once per machine live: $ANYSNAKE2_TEST_CACHE, else a folder of
    this user in the temp folder (they are made anew, identical, when it is cleared)."""
    default = Path(tempfile.gettempdir()) / f"anysnake2-tests-{os.getuid()}"
    return Path(os.environ.get("ANYSNAKE2_TEST_CACHE") or default)


def nix_env() -> dict[str, str]:
    """This environment without GIT_* variables (a git hook's would confuse nix's git)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


@dataclass(frozen=True)
class FlakeInput:
    """One input of a rendered flake.nix: its URL and the sub-inputs it `follows`."""

    name: str
    url: str
    follows: frozenset[str] = field(default_factory=frozenset)

    @property
    def github(self) -> tuple[str, str | None] | None:
        """(`owner/repo` lower-cased, pinned rev or None) for a `github:` URL, else None."""
        if not self.url.startswith("github:"):
            return None
        base = self.url[len("github:") :].split("?", 1)[0]
        parts = [p for p in base.split("/") if p]
        rev = parts[2] if len(parts) > 2 and _HEX40.match(parts[2]) else None
        return f"{parts[0]}/{parts[1]}".lower(), rev


def nixpkgs_release(flake_nix: str) -> str | None:
    """The nixpkgs release (`24.05`) a rendered flake's nixpkgs input names by tag or
    branch (`?ref=24.05`, `nixos-24.05`, `branch-off-24.11`), or None (a revision)."""
    spec = flake_inputs(flake_nix).get("nixpkgs")
    if spec is None:
        return None
    match = re.search(r"(?:ref=|/)(?:nixos-|release-|branch-off-)?(\d\d\.\d\d)(?:&|$)", spec.url)
    return match.group(1) if match else None


def flake_inputs(flake_nix: str) -> dict[str, FlakeInput]:
    """The inputs block of a flake.nix as anysnake2 renders it: name → FlakeInput."""
    start = flake_nix.index("  inputs = {\n")
    end = flake_nix.index("\n  };\n", start)
    block = flake_nix[start : end + 1]
    found = {}
    for match in _INPUT.finditer(block):
        name, body = match.group(1), match.group(2)
        url = re.search(r'url = "([^"]*)";', body)
        follows = frozenset(re.findall(r"inputs\.([A-Za-z0-9_-]+)\.follows", body))
        if url:
            found[name] = FlakeInput(name, url.group(1), follows)
    return found


class Upstream:
    """Clones of the bundles in `shared` (one per bundle, made once) below `dest`."""

    def __init__(self, shared: Path, dest: Path) -> None:
        self.dest = Path(dest)
        self.dest.mkdir(parents=True, exist_ok=True)
        self.repos: dict[str, Path] = {}
        for bundle in sorted(Path(shared).glob("*.bundle")):
            target = self.dest / bundle.stem
            if not (target / ".git").is_dir():
                subprocess.run(
                    ["git", "clone", "-q", str(bundle), str(target)], check=True, env=nix_env()
                )
            self.repos[bundle.stem] = target
        self._empty: Path | None = None
        self._hammer: Path | None = None
        # (owner/repo, pinned rev, rev used) for pins served by a snapshot bundle
        self.substitutions: list[tuple[str, str, str]] = []

    def repo(self, owner_repo: str) -> Path:
        """The clone for GitHub's `owner/repo` (KeyError: no bundle holds it)."""
        return self.repos[BUNDLES[owner_repo.lower()]]

    def has(self, owner_repo: str, rev: str) -> bool:
        """Whether the bundle of `owner/repo` holds commit `rev`."""
        proc = subprocess.run(
            ["git", "-C", str(self.repo(owner_repo)), "cat-file", "-e", f"{rev}^{{commit}}"],
            capture_output=True,
            check=False,
            env=nix_env(),
        )
        return proc.returncode == 0

    def url(self, owner_repo: str, rev: str) -> str:
        """`git+file://<clone>?rev=<rev>`; ValueError when the bundle lacks the commit
        (a snapshot bundle, see SNAPSHOTS, serves every revision by its one commit)."""
        if owner_repo.lower() in SNAPSHOTS and not self.has(owner_repo, rev):
            head = self._head(owner_repo)
            self.substitutions.append((owner_repo.lower(), rev, head))
            rev = head
        if not self.has(owner_repo, rev):
            raise ValueError(f"the bundle of {owner_repo} has no commit {rev}")
        return f"git+file://{self.repo(owner_repo)}?rev={rev}"

    def _head(self, owner_repo: str) -> str:
        return subprocess.run(
            ["git", "-C", str(self.repo(owner_repo)), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            env=nix_env(),
        ).stdout.strip()

    def lock_of(self, owner_repo: str, rev: str) -> dict:
        """The flake.lock of `owner/repo` at `rev` ({} when it has none)."""
        proc = subprocess.run(
            ["git", "-C", str(self.repo(owner_repo)), "show", f"{rev}:flake.lock"],
            capture_output=True,
            text=True,
            check=False,
            env=nix_env(),
        )
        return json.loads(proc.stdout) if proc.returncode == 0 else {}

    def nixpkgs_lib(self, release: str | None) -> Path:
        """nixpkgs' `lib` as it was at `release` (the newest when None): a folder with
        `lib/` from the nixpkgs.lib bundle's last master commit that still carried that
        release number (lib/.version; before 2024 lib read nixpkgs' root .version, which is
        written beside it), i.e. master at the release's branch-off."""
        repo = self.repo("nix-community/nixpkgs.lib")
        if release is None:
            return repo
        target = self.dest / f"nixpkgs-lib-{release}"
        if target.is_dir():
            return target
        env = nix_env()
        bumps = subprocess.run(
            ["git", "-C", str(repo), "log", "--format=%H", "--", "lib/.version"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout.split()
        commit = None
        for bump in bumps:
            before = subprocess.run(
                ["git", "-C", str(repo), "show", f"{bump}^:lib/.version"],
                capture_output=True,
                text=True,
                check=False,
                env=env,
            ).stdout.strip()
            if before == release:
                commit = f"{bump}^"
        if commit is None:  # before lib/.version existed: master at the usual branch-off
            year, month = release.split(".")
            commit = subprocess.run(
                [
                    "git",
                    "-C",
                    str(repo),
                    "log",
                    "-1",
                    "--format=%H",
                    f"--before=20{year}-{month}-20T00:00:00",
                ],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            ).stdout.strip()
        target.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", commit, "lib"],
            capture_output=True,
            check=True,
            env=env,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        if not (target / "lib" / ".version").is_file():
            (target / ".version").write_text(release + "\n")
        return target

    def hammer_standin(self) -> str:
        """URL of uv2nix_hammer_overrides made evaluable: the bundle's snapshot holds
        flake.nix and collected.nix, but not the `overrides/<pkg>/<version>` files that
        collected.nix imports nor the `helpers.nix` flake.nix imports. This repository is
        the snapshot plus those files as no-ops (`{ ... }: old: { }`, `{ pkgs }: { }`):
        the real flake's version matching and overlay run, the per-package overrides
        change nothing.

        It is 12k small files: making it and nix's first fetch of it take a minute. So it
        is made once per machine (`standin_cache()`, keyed by the bundles' heads), with
        fixed commit dates and its own sub-inputs beside it: its revision is the same in
        every session, and nix's fetcher cache (keyed by revision) serves it."""
        if self._hammer is None:
            heads = f"{STANDIN_VERSION} {self._head(HAMMER)} {self._head(SYSTEMS)}"
            key = hashlib.sha256(heads.encode()).hexdigest()[:16]
            base = standin_cache() / f"hammer-standin-{key}"
            base.parent.mkdir(parents=True, exist_ok=True)
            with open(f"{base}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # another session may be making it
                if not (base / "done").exists():
                    shutil.rmtree(base, ignore_errors=True)
                    self._make_hammer(base)
                    (base / "done").touch()
            self._hammer = base / "hammer-standin"
        return f"git+file://{self._hammer}"

    def _make_hammer(self, base: Path) -> None:
        path = base / "hammer-standin"
        snapshot = self.repos[BUNDLES[HAMMER]]
        shutil.copytree(snapshot, path, ignore=shutil.ignore_patterns(".git"))
        (path / "helpers.nix").write_text(
            "# stand-in (tests/_upstream.py): the bundle has no helpers.nix\n{ pkgs }: { }\n"
        )
        collected = (path / "collected.nix").read_text()
        for rel in sorted(set(re.findall(r"import \./(overrides/[^;\s]+);", collected))):
            target = path / rel
            target.mkdir(parents=True, exist_ok=True)
            (target / "default.nix").write_text("{ ... }: old: { }\n")
        env = nix_env() | {
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
            "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
            "GIT_CONFIG_GLOBAL": "/dev/null",
        }
        for argv in (
            ["git", "init", "-q", "-b", "master"],
            ["git", "add", "-A"],
            ["git", "commit", "-qm", "hammer overrides stand-in"],
        ):
            subprocess.run(argv, cwd=path, check=True, env=env, capture_output=True)
        self._relock_hammer(base, env)

    def _relock_hammer(self, base: Path, env: dict[str, str]) -> None:
        """Point the stand-in's own flake.lock at local repositories beside it: `systems`
        at a clone of the nix-systems bundle, `treefmt-nix` and `nixpkgs` (only its
        formatter and devShell use them) at an empty flake (no .git, a fixed mtime: its
        lock entry is the same every time). Nix reads this lock for every input the
        rendered flake does not follow; `nix flake archive` (anysnake2's GC roots) fetches
        them all."""
        path = base / "hammer-standin"
        systems = base / "systems"
        subprocess.run(
            ["git", "clone", "-q", str(self.repo(SYSTEMS)), str(systems)], check=True, env=env
        )
        empty = base / "empty-flake"
        empty.mkdir()
        (empty / "flake.nix").write_text(
            '{\n  description = "empty stand-in (tests/_upstream.py)";\n'
            "  outputs = { self }: { };\n}\n"
        )
        for made in (empty / "flake.nix", empty):
            os.utime(made, (1704067200, 1704067200))
        registry = base / "registry.json"
        registry.write_text('{"flakes":[],"version":2}')
        argv = [
            *NIX,
            "--option",
            "flake-registry",
            str(registry),
            "flake",
            "lock",
            "--override-input",
            "systems",
            f"git+file://{systems}?rev={self._head(SYSTEMS)}",
            "--override-input",
            "treefmt-nix",
            f"path:{empty}",
            "--override-input",
            "nixpkgs",
            f"path:{empty}",
        ]
        subprocess.run(argv, cwd=path, check=True, env=env, capture_output=True)
        for argv in (
            ["git", "add", "flake.lock"],
            ["git", "commit", "-qm", "lock the stand-in's inputs locally"],
        ):
            subprocess.run(argv, cwd=path, check=True, env=env, capture_output=True)

    def empty_flake(self) -> str:
        """A flake with no inputs and no outputs, for sub-inputs only formatters use."""
        if self._empty is None:
            path = self.dest / "empty-flake"
            path.mkdir(exist_ok=True)
            (path / "flake.nix").write_text(
                '{\n  description = "empty stand-in (tests/_upstream.py)";\n'
                "  outputs = { self }: { };\n}\n"
            )
            env = nix_env()
            subprocess.run(["git", "init", "-q"], cwd=path, check=True, env=env)
            subprocess.run(["git", "add", "flake.nix"], cwd=path, check=True, env=env)
            self._empty = path
        return f"path:{self._empty}"

    def _sub_overrides(
        self, prefix: str, owner_repo: str, rev: str, followed: frozenset[str], nixpkgs: str
    ) -> list[str]:
        lock = self.lock_of(owner_repo, rev)
        if not lock:
            return []
        nodes = lock["nodes"]
        args: list[str] = []
        for sub, node_name in sorted(nodes[lock["root"]].get("inputs", {}).items()):
            if sub in followed or isinstance(node_name, list):
                continue  # followed by our flake, or by the helper's own lock
            node = nodes[node_name]
            original = node.get("original", {})
            sub_repo = f"{original.get('owner', '')}/{original.get('repo', '')}".lower()
            path = f"{prefix}/{sub}"
            if sub_repo in NIXPKGS_REPOS:
                args += ["--override-input", path, nixpkgs]
            elif sub_repo in BUNDLES:
                sub_rev = node.get("locked", {}).get("rev", "")
                args += ["--override-input", path, self.url(sub_repo, sub_rev)]
                args += self._sub_overrides(path, sub_repo, sub_rev, frozenset(), nixpkgs)
            else:
                args += ["--override-input", path, self.empty_flake()]
        return args

    def overrides(
        self, flake_nix: str, *, nixpkgs: str, others: dict[str, str] | None = None
    ) -> list[str]:
        """`--override-input` arguments for every input of the rendered `flake_nix`.

        `nixpkgs`: URL of the nixpkgs stand-in (for every github:NixOS/nixpkgs input);
        `others`: input name → URL for inputs no bundle holds (nixR, a config's own
        flakes). ValueError names an input that is neither.
        """
        others = others or {}
        args: list[str] = []
        for name, spec in sorted(flake_inputs(flake_nix).items()):
            github = spec.github
            if name in others:
                args += ["--override-input", name, others[name]]
            elif github and github[0] in NIXPKGS_REPOS:
                args += ["--override-input", name, nixpkgs]
            elif github and github[0] == HAMMER:
                self.substitutions.append((HAMMER, github[1] or "", "hammer-standin"))
                args += ["--override-input", name, self.hammer_standin()]
                args += self._sub_overrides(name, HAMMER, self._head(HAMMER), spec.follows, nixpkgs)
            elif github and github[0] in BUNDLES:
                owner_repo, rev = github
                rev = rev or self.default_rev(name, owner_repo)
                args += ["--override-input", name, self.url(owner_repo, rev)]
                args += self._sub_overrides(name, owner_repo, rev, spec.follows, nixpkgs)
            else:
                raise ValueError(f"no stand-in for flake input {name!r} ({spec.url})")
        return args

    @staticmethod
    def default_rev(name: str, owner_repo: str) -> str:
        """Our default revision (anysnake2/defaults.py) for an input without one."""
        for key, default in DEFAULT_INPUTS.items():
            if (key == name or default.url.lower() == f"github:{owner_repo}") and default.rev:
                return default.rev
        raise ValueError(f"input {name!r} ({owner_repo}) pins no revision and has no default")
