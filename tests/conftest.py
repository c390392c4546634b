"""Fixtures shared by the test files: the offline package set, made once per session."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
MAKE_OFFLINE_PKGS = REPO / "tools" / "offline_pkgs" / "make_offline_pkgs.py"

# ../shared beside the checkout (as CI lays it out): the original tool's configs and the
# real upstream helper flakes. Tests that read it carry `@pytest.mark.needs_shared` (or a
# module-level `pytestmark`); without the folder they are left out with one visible line,
# and with ANYSNAKE2_REQUIRE_SHARED=1 (set by .ci/run) its absence fails the run instead.
SHARED = REPO.parent / "shared"
ORIGINAL_CONFIGS = SHARED / "reference" / "original-configs"
UPSTREAM = SHARED / "upstream"
_LEFT_OUT: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_shared: reads ../shared beside the checkout")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SHARED.is_dir():
        return
    needing = [item for item in items if item.get_closest_marker("needs_shared")]
    if not needing:
        return
    if os.environ.get("ANYSNAKE2_REQUIRE_SHARED") == "1":
        raise pytest.UsageError(
            f"{SHARED} is missing, and ANYSNAKE2_REQUIRE_SHARED=1 says the tests that "
            f"need it ({len(needing)}) must run"
        )
    _LEFT_OUT.extend(item.nodeid for item in needing)
    config.hook.pytest_deselected(items=needing)
    items[:] = [item for item in items if not item.get_closest_marker("needs_shared")]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _LEFT_OUT:
        terminalreporter.write_line(
            f"SKIPPED {len(_LEFT_OUT)} tests that need {SHARED} (not found): "
            "the original configs and the upstream helper flakes"
        )


def load_make_offline_pkgs() -> ModuleType:
    """tools/offline_pkgs/make_offline_pkgs.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("make_offline_pkgs", MAKE_OFFLINE_PKGS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def offline_pkgs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The offline package set (local git repositories with deterministic commits):
    name → {url, rev}; `nixpkgs` is the stand-in nixpkgs."""
    return load_make_offline_pkgs().make(tmp_path_factory.mktemp("offline-pkgs") / "offline")


@pytest.fixture(scope="session")
def nixpkgs(offline_pkgs: dict[str, dict[str, str]]) -> dict[str, str]:
    """The stand-in nixpkgs of the offline package set: {url, rev}."""
    return offline_pkgs["nixpkgs"]


def _env_without_git() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


#: git in tests: a fixed identity, and no user or system configuration
GIT_TEST_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str | Path, cwd: str | Path | None = None) -> str:
    """Run the real git with `GIT_TEST_ENV` and none of the caller's GIT_* variables;
    its stripped stdout (a failure shows git's stderr)."""
    proc = subprocess.run(
        ["git", *map(str, args)],
        cwd=cwd,
        env=_env_without_git() | GIT_TEST_ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, f"git {' '.join(map(str, args))}: {proc.stderr}"
    return proc.stdout.strip()


def build_flake(base: Path, flake_text: str) -> Path:
    """`nix build` a hand-written flake (in `base/flake`, a git repository) with no
    substituters and an empty registry; returns the store path of its default package."""
    flake = base / "flake"
    flake.mkdir(parents=True)
    (flake / "flake.nix").write_text(flake_text)
    (base / "registry.json").write_text('{"flakes":[],"version":2}')
    env = _env_without_git()
    subprocess.run(["git", "init", "-q"], cwd=flake, check=True, env=env)
    subprocess.run(["git", "add", "flake.nix"], cwd=flake, check=True, env=env)
    nix = ["nix", "--extra-experimental-features", "nix-command flakes"]
    nix += ["--option", "substituters", "", "--option", "flake-registry"]
    proc = subprocess.run(
        [*nix, str(base / "registry.json"), "build", "--json", "-o", str(base / "result")]
        + [".#default"],
        cwd=flake,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return Path(json.loads(proc.stdout)[0]["outputs"]["out"])


# --- the one local HTTP server (tests/_http_server.py) ----------------------------------------


@pytest.fixture
def http_server():  # -> Callable[..., _http_server.LocalServer]
    """Factory: `http_server(**LocalServer options)` (or `http_server(github=True)` for the
    GitHub API stand-in) gives a started server on 127.0.0.1, stopped after the test."""
    from _http_server import LocalServer, github

    started: list[LocalServer] = []

    def make(*, github_api: bool = False, **options: object) -> LocalServer:
        server = github() if github_api else LocalServer(**options)  # type: ignore[arg-type]
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()


# --- the one way to run the CLI -----------------------------------------------------------
# The console script's way in: not `python -m anysnake2`, where the current folder comes
# first on sys.path and a project's own anysnake2.py would shadow the package.
ENTRY = ["-c", "import sys; del sys.path[0]; from anysnake2._fast import main; sys.exit(main())"]


def cli_argv(*args: str) -> list[str]:
    """argv of `anysnake2 ARGS` as the console script runs it, with this interpreter (for a
    tmux pane, a wrapper command or Popen; with `cli_env`)."""
    return [sys.executable, *ENTRY, *args]


def cli_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (default: this environment) with this checkout on PYTHONPATH."""
    full = dict(os.environ if env is None else env)
    full["PYTHONPATH"] = str(REPO)
    return full


def run_cli(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    **kwargs: object,
) -> subprocess.CompletedProcess[str]:
    """`anysnake2 ARGS` in a subprocess with `env` (default: this environment), this
    checkout on PYTHONPATH, output captured."""
    return subprocess.run(
        cli_argv(*args),
        cwd=cwd,
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


def start_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, **popen: object
) -> subprocess.Popen[str]:
    """`anysnake2 ARGS` started in the background (text mode; `popen` as for Popen: the
    caller says where output goes), this checkout on PYTHONPATH."""
    return subprocess.Popen(  # type: ignore[call-overload]
        cli_argv(*args), cwd=cwd, env=cli_env(env), text=True, **popen
    )


# --- the real upstream helper flakes (tests/_upstream.py) -----------------------------------


@pytest.fixture(scope="session")
def upstream(tmp_path_factory: pytest.TempPathFactory):  # -> _upstream.Upstream
    """Clones of every bundle in ../shared/upstream (made once per session); its
    `overrides(flake_nix, nixpkgs=..., others=...)` gives `--override-input` arguments."""
    from _upstream import Upstream

    return Upstream(UPSTREAM, tmp_path_factory.mktemp("upstream"))


@pytest.fixture(scope="session")
def honest_pkgs(upstream, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The offline package set with its nixpkgs on the REAL nixpkgs lib (from the
    nix-community/nixpkgs.lib bundle) and the honest layer: name → {url, rev}."""
    lib = upstream.repo("nix-community/nixpkgs.lib")
    dest = tmp_path_factory.mktemp("honest-pkgs") / "offline"
    return load_make_offline_pkgs().make(dest, nixpkgs_lib=lib)


@pytest.fixture(scope="session")
def honest_pkgs_with_python(
    upstream, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, str]]:
    """As `honest_pkgs`, plus the host's Python 3 and uv copied in (builds can run)."""
    lib = upstream.repo("nix-community/nixpkgs.lib")
    dest = tmp_path_factory.mktemp("honest-pkgs-python") / "offline"
    return load_make_offline_pkgs().make(dest, nixpkgs_lib=lib, host_tools=True)


@pytest.fixture(scope="session")
def honest_pkgs_for_release(upstream, tmp_path_factory: pytest.TempPathFactory):
    """release (`"24.05"`, or None for the newest) → the honest package set whose nixpkgs
    carries nixpkgs' lib as of that release (Upstream.nixpkgs_lib); made once per release."""
    made: dict[str | None, dict[str, dict[str, str]]] = {}

    def get(release: str | None) -> dict[str, dict[str, str]]:
        if release not in made:
            dest = tmp_path_factory.mktemp(f"honest-pkgs-{release or 'newest'}") / "offline"
            lib = upstream.nixpkgs_lib(release)
            made[release] = load_make_offline_pkgs().make(dest, nixpkgs_lib=lib)
        return made[release]

    return get
