"""The Python lock: real uv against PyPI, local git and mercurial repositories.

One uv cache for the whole session keeps repeated resolutions fast.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import git, run_cli

from anysnake2.errors import ConfigError, NetworkError
from anysnake2.model import Project, Python, PythonPackage, R
from anysnake2.resolve import python_lock
from anysnake2.resolve.python_lock import (
    LOCK_NAME,
    ensure_local_sources,
    ensure_python_lock,
    lock_input,
    python_lock_is_current,
    read_header,
)
from anysnake2.sources import parse_source

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("uv-cache")
    old = os.environ.get("UV_CACHE_DIR")
    os.environ["UV_CACHE_DIR"] = str(cache)
    yield cache
    if old is None:
        os.environ.pop("UV_CACHE_DIR", None)
    else:
        os.environ["UV_CACHE_DIR"] = old


def _project(date: str | None, version: str = "3.8", **packages: PythonPackage) -> Project:
    return Project(python=Python(version, date, packages))


def _locked_version(lock_text: str, name: str) -> str:
    match = re.search(rf'\[\[package\]\]\nname = "{name}"\nversion = "([^"]+)"', lock_text)
    assert match, f"{name} not in the lock"
    return match.group(1)


def _pandas(date: str) -> Project:
    return _project(date, pandas=PythonPackage("pandas", ">=1.2"))


def test_pandas_as_of_the_ecosystem_date(tmp_path: Path) -> None:
    workspace = ensure_python_lock(_pandas("2021-04-12"), tmp_path, offline=False)
    assert workspace == tmp_path / ".anysnake2_flake" / "uv_workspace"
    recorded = (tmp_path / LOCK_NAME).read_text()
    # pandas 1.2.4 was uploaded at 18:43 UTC on 2021-04-12: the whole day counts.
    assert _locked_version(recorded, "pandas") == "1.2.4"
    assert read_header(tmp_path / LOCK_NAME)["date"] == "2021-04-12"
    assert recorded.split("\n", 1)[1] == (workspace / "uv.lock").read_text()
    pyproject = (workspace / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.8"' in pyproject
    assert "python_version == '3.8' and sys_platform == 'linux'" in pyproject
    assert str(tmp_path) not in recorded


def test_reuse_calls_no_uv_and_restores_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _pandas("2021-04-12")
    ensure_python_lock(project, tmp_path, offline=False)
    recorded = (tmp_path / LOCK_NAME).read_bytes()
    # A colleague's checkout: the committed lock, no workspace, no uv, no network.
    workspace = tmp_path / ".anysnake2_flake" / "uv_workspace"
    (workspace / "uv.lock").unlink()

    def no_uv(*args: object, **kwargs: object) -> None:
        raise AssertionError("uv was called for a current lock")

    monkeypatch.setattr(python_lock, "_run_uv_lock", no_uv)
    monkeypatch.setattr(python_lock, "uv_binary", no_uv)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert python_lock_is_current(project, tmp_path)
    assert ensure_python_lock(project, tmp_path, offline=True) == workspace
    assert (workspace / "uv.lock").read_bytes() == recorded.split(b"\n", 1)[1]
    assert (tmp_path / LOCK_NAME).read_bytes() == recorded
    # --locked with a changed config refuses instead of resolving.
    with pytest.raises(ConfigError, match="--locked"):
        ensure_python_lock(_pandas("2021-05-01"), tmp_path, offline=False, locked=True)


def test_later_date_moves_forward_from_scratch(tmp_path: Path) -> None:
    ensure_python_lock(_pandas("2021-04-12"), tmp_path, offline=False)
    ensure_python_lock(_pandas("2021-08-01"), tmp_path, offline=False)
    recorded = (tmp_path / LOCK_NAME).read_text()
    assert _locked_version(recorded, "pandas") == "1.3.1"
    assert read_header(tmp_path / LOCK_NAME)["date"] == "2021-08-01"


def test_added_package_keeps_other_pins(tmp_path: Path) -> None:
    ensure_python_lock(_pandas("2021-04-12"), tmp_path, offline=False)
    before = (tmp_path / LOCK_NAME).read_text()
    # Tamper-free check that uv started from the old lock: same date, one more package.
    project = _project(
        "2021-04-12",
        pandas=PythonPackage("pandas", ">=1.2"),
        six=PythonPackage("six"),
    )
    ensure_python_lock(project, tmp_path, offline=False)
    after = (tmp_path / LOCK_NAME).read_text()
    for name in ("pandas", "numpy", "pytz"):
        assert _locked_version(after, name) == _locked_version(before, name)
    assert _locked_version(after, "six") == "1.15.0"


def test_pypi_pin_escapes_the_date(tmp_path: Path) -> None:
    project = _project("2021-04-12", packaging=PythonPackage("packaging", "==23.0", pypi=True))
    ensure_python_lock(project, tmp_path, offline=False)
    assert _locked_version((tmp_path / LOCK_NAME).read_text(), "packaging") == "23.0"


def test_impossible_constraint_is_a_config_error(tmp_path: Path) -> None:
    project = _project("2021-04-12", pandas=PythonPackage("pandas", ">=1.3"))
    with pytest.raises(ConfigError) as caught:
        ensure_python_lock(project, tmp_path, offline=False)
    assert caught.value.exit_code == 65
    assert "pandas" in caught.value.message
    assert "2021-04-12" in (caught.value.hint or "")
    assert not (tmp_path / LOCK_NAME).exists()


def test_r_adds_rpy2_and_requires_python_follows_old_versions() -> None:
    project = Project(python=Python("3.7", "2021-04-12", {}), r=R(packages=("ggplot2",)))
    spec = lock_input(project)
    assert spec is not None
    assert '"rpy2",' in spec.pyproject
    assert 'requires-python = ">=3.7"' in spec.pyproject


def _tiny_package(folder: Path, name: str) -> None:
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "0.1"\n\n'
        '[build-system]\nrequires = ["setuptools>=61"]\n'
        'build-backend = "setuptools.build_meta"\n'
    )
    (folder / f"{name}.py").write_text("VALUE = 1\n")


@pytest.fixture
def git_repo(tmp_path: Path) -> tuple[Path, str]:
    repo = tmp_path / "tinygit"
    _tiny_package(repo, "tinygit")
    git("init", "-q", cwd=repo)
    git("add", ".", cwd=repo)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init", cwd=repo)
    return repo, git("rev-parse", "HEAD", cwd=repo)


def test_git_source_from_a_local_repository(tmp_path: Path, git_repo: tuple[Path, str]) -> None:
    repo, rev = git_repo
    source = parse_source(f"git+file://{repo}?rev={rev}")
    project = _project("2024-06-01", "3.11", tinygit=PythonPackage("tinygit", source=source))
    root = tmp_path / "project"
    root.mkdir()
    ensure_python_lock(project, root, offline=False)
    recorded = (root / LOCK_NAME).read_text()
    assert _locked_version(recorded, "tinygit") == "0.1"
    assert rev in recorded


def test_patch_before_lock_on_a_git_copy(tmp_path: Path, git_repo: tuple[Path, str]) -> None:
    repo, rev = git_repo
    source = parse_source(f"git+file://{repo}?rev={rev}")
    patch = 'sed -i \'s/version = "0.1"/version = "0.2"/\' pyproject.toml'
    package = PythonPackage("tinygit", source=source, patch_before_lock=patch)
    root = tmp_path / "project"
    root.mkdir()
    ensure_python_lock(_project("2024-06-01", "3.11", tinygit=package), root, offline=False)
    recorded = (root / LOCK_NAME).read_text()
    assert _locked_version(recorded, "tinygit") == "0.2"
    assert f'directory = "sources/patched/tinygit-{rev}"' in recorded
    assert 'version = "0.1"' in (repo / "pyproject.toml").read_text()


def test_mercurial_source_from_a_local_repository(tmp_path: Path) -> None:
    repo = tmp_path / "tinyhg"
    _tiny_package(repo, "tinyhg")
    hg = ["hg", "--config", "ui.username=t <t@t>", "-R", str(repo)]
    subprocess.run(["hg", "init", str(repo)], check=True)
    subprocess.run([*hg, "add", "-q"], check=True, cwd=repo)
    subprocess.run([*hg, "commit", "-qm", "init"], check=True)
    rev = subprocess.run(
        [*hg, "log", "-r", ".", "-T", "{node}"], check=True, capture_output=True, text=True
    ).stdout
    source = parse_source(f"hg+file://{repo}?rev={rev}")
    root = tmp_path / "project"
    root.mkdir()
    project = _project("2024-06-01", "3.11", tinyhg=PythonPackage("tinyhg", source=source))
    ensure_python_lock(project, root, offline=False)
    recorded = (root / LOCK_NAME).read_text()
    assert _locked_version(recorded, "tinyhg") == "0.1"
    # Relative to the workspace: the lock does not depend on where the project lives.
    assert f'directory = "sources/hg/tinyhg-{rev}"' in recorded
    assert str(root) not in recorded
    checkout = root / ".anysnake2_flake" / "uv_workspace" / "sources" / "hg" / f"tinyhg-{rev}"
    assert (checkout / "tinyhg.py").exists()
    # A colleague's checkout has the lock but not the clone: fetched without re-locking.
    shutil.rmtree(checkout)
    assert ensure_local_sources(project, root, offline=False) == [checkout]
    assert (checkout / "tinyhg.py").exists()
    assert (root / LOCK_NAME).read_text() == recorded


def test_lock_command_writes_the_lock_beside_the_config(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.toml").write_text(
        '[nixpkgs]\nrev = "63dacb46bf939521bdc93981b4cbb7ecb58427a0"\n\n[python]\nversion = "3.8"\n'
        'ecosystem_date = "2021-04-12"\n\n[python.packages]\npandas = ">=1.2"\n'
    )

    def lock() -> subprocess.CompletedProcess[str]:
        return run_cli("lock", cwd=tmp_path)

    first = lock()
    assert first.returncode == 0, first.stderr
    assert _locked_version((tmp_path / LOCK_NAME).read_text(), "pandas") == "1.2.4"
    assert (tmp_path / ".anysnake2_flake" / "uv_workspace" / "uv.lock").exists()
    again = lock()
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stderr + again.stdout


def test_pypi_pin_whose_dependencies_are_too_new_says_so(tmp_path: Path) -> None:
    pin = PythonPackage("pandas", "==2.2.0", pypi=True)
    with pytest.raises(ConfigError) as caught:
        ensure_python_lock(_project("2021-04-12", "3.9", pandas=pin), tmp_path, offline=False)
    assert caught.value.exit_code == 65
    assert "pandas" in caught.value.message
    assert "its own dependencies stay limited" in (caught.value.hint or "")


def test_unreachable_index_is_a_network_error(tmp_path: Path) -> None:
    # uv_lock_env is passed to uv: here it points uv at an index nobody listens on.
    env = {"UV_DEFAULT_INDEX": "http://127.0.0.1:9/simple", "UV_HTTP_RETRIES": "0"}
    project = Project(
        python=Python("3.8", "2021-04-12", {"six": PythonPackage("six")}, uv_lock_env=env)
    )
    with pytest.raises(NetworkError) as caught:
        ensure_python_lock(project, tmp_path, offline=False)
    assert caught.value.exit_code == 75


def test_sources_render_in_uv_syntax() -> None:
    packages = {
        "a": PythonPackage("a", source=parse_source("github:owner/a/main")),
        "b": PythonPackage("b", source=parse_source("github:owner/b/main/" + "1" * 40)),
        "c": PythonPackage("c", source=parse_source("https://example.org/c-1.0.tar.gz")),
        "d": PythonPackage("d", source=parse_source("git+ssh://git@example.org/d?ref=dev")),
        "e": PythonPackage("e", "==1.0", pypi=True),
    }
    spec = lock_input(Project(python=Python("3.12", "2024-05-01", packages)))
    assert spec is not None
    assert spec.pyproject.endswith(
        "[tool.uv.sources]\n"
        '"a" = { git = "https://github.com/owner/a", branch = "main" }\n'
        f'"b" = {{ git = "https://github.com/owner/b", rev = "{"1" * 40}" }}\n'
        '"c" = { url = "https://example.org/c-1.0.tar.gz" }\n'
        '"d" = { git = "ssh://git@example.org/d", branch = "dev" }\n'
    )
    assert '    "e==1.0",\n' in spec.pyproject
    assert spec.exclude_newer_packages == ("e=false",)
    # Same input, same digest; any change, another one.
    again = lock_input(Project(python=Python("3.12", "2024-05-01", packages)))
    assert again is not None and again.digest == spec.digest
    moved = lock_input(Project(python=Python("3.12", "2024-05-02", packages)))
    assert moved is not None and moved.digest != spec.digest
