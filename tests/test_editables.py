"""Editable packages (issue 8): their dependencies join the uv lock (real uv against PyPI),
and an editable without a URL is unpacked from its sdist (a local PyPI JSON stand-in)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import textwrap
from pathlib import Path

import pytest
from _http_server import LocalServer
from conftest import git

from anysnake2.errors import ConfigError, FailureError, NetworkError
from anysnake2.model import Project, Python, PythonPackage
from anysnake2.resolve.editable_sdists import fetch_editable_sdists
from anysnake2.resolve.pypi import PYPI_JSON_ENV
from anysnake2.resolve.python_lock import (
    LOCK_NAME,
    WORKSPACE,
    ensure_python_lock,
    lock_input,
    python_lock_is_current,
)
from anysnake2.runtime.clones import perform_clones
from anysnake2.sources import parse_source


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))


def _repo(path: Path, name: str, deps: list[str]) -> Path:
    write(path / name / "__init__.py", "VALUE = 1\n")
    write(
        path / "pyproject.toml",
        f"""
        [project]
        name = "{name}"
        version = "0.1"
        dependencies = {json.dumps(deps)}
        """,
    )
    git("init", "-q", "-b", "main", cwd=path)
    git("add", ".", cwd=path)
    git("commit", "-q", "-m", "init", cwd=path)
    return path


def _editable(name: str, url: str | None = None, **kw: object) -> PythonPackage:
    source = parse_source(url) if url else None
    return PythonPackage(name, source=source, editable="code", **kw)  # type: ignore[arg-type]


def _lock_packages(lock_text: str) -> set[str]:
    import re

    return set(re.findall(r'\[\[package\]\]\nname = "([^"]+)"', lock_text))


def test_editable_dependencies_join_the_lock_and_a_change_relocks(tmp_path: Path) -> None:
    # alpha (editable, from git) needs six and beta; beta (editable too) needs idna.
    alpha = _repo(tmp_path / "src-alpha", "alpha", ["six", "beta"])
    beta = _repo(tmp_path / "src-beta", "beta", ["idna<4"])
    root = tmp_path / "project"
    root.mkdir()
    packages = {
        "alpha": _editable("alpha", f"git+file://{alpha}"),
        "beta": _editable("beta", f"git+file://{beta}"),
    }
    project = Project(python=Python("3.11", "2024-06-01", packages))
    perform_clones(project, root)
    ensure_python_lock(project, root, offline=False)

    pyproject = (root / WORKSPACE / "pyproject.toml").read_text()
    assert '"six",' in pyproject and '"idna<4",' in pyproject
    # Neither checkout is a locked package: they are bound into the container instead.
    assert "alpha" not in pyproject and "beta" not in pyproject
    locked = _lock_packages((root / LOCK_NAME).read_text())
    assert {"six", "idna"} <= locked and not {"alpha", "beta"} & locked
    assert python_lock_is_current(project, root)

    # The researcher adds a dependency in the checkout: the lock is out of date and remade.
    write(
        root / "code" / "beta" / "pyproject.toml",
        '[project]\nname = "beta"\ndependencies = ["idna<4", "six", "attrs==23.2.0"]\n',
    )
    assert not python_lock_is_current(project, root)
    ensure_python_lock(project, root, offline=False)
    assert "attrs" in _lock_packages((root / LOCK_NAME).read_text())
    assert python_lock_is_current(project, root)


def test_missing_editable_checkout_at_lock_time_says_to_clone_first(tmp_path: Path) -> None:
    project = Project(
        python=Python("3.11", "2024-06-01", {"alpha": _editable("alpha", "git+file:///nowhere")})
    )
    (tmp_path / "code" / "alpha").mkdir(parents=True)  # empty counts as missing
    with pytest.raises(FailureError) as caught:
        lock_input(project, tmp_path)
    assert caught.value.exit_code == 70
    assert "code/alpha is empty" in caught.value.message
    assert "clone" in (caught.value.hint or "")
    assert not (tmp_path / LOCK_NAME).exists()


# --- editables without a URL: sdists from a PyPI JSON stand-in ----------------------------------


def _sdist(name: str, version: str, extra: dict[str, bytes] | None = None) -> bytes:
    files = {
        f"{name}-{version}/{name}/__init__.py": f"VERSION = {version!r}\n".encode(),
        f"{name}-{version}/pyproject.toml": (
            f'[project]\nname = "{name}"\nversion = "{version}"\ndependencies = ["six"]\n'
        ).encode(),
        **(extra or {}),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class _Index:
    """A PyPI JSON API stand-in on localhost (the shared test server) serving `tiny`."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.base = server.url
        self.releases: dict[str, list[dict[str, object]]] = {}

    def add(self, version: str, day: str, data: bytes, *, yanked: bool = False) -> None:
        path = f"/files/tiny-{version}.tar.gz"
        self.server.add(path, raw=data)
        self.releases[version] = [
            {"packagetype": "bdist_wheel", "url": "http://wrong", "upload_time_iso_8601": day},
            {
                "packagetype": "sdist",
                "url": self.base + path,
                "upload_time_iso_8601": f"{day}T12:00:00.000000Z",
                "digests": {"sha256": hashlib.sha256(data).hexdigest()},
                "yanked": yanked,
            },
        ]
        self.server.add("/pypi/tiny/json", {"releases": self.releases})


@pytest.fixture
def index(monkeypatch: pytest.MonkeyPatch, http_server) -> _Index:
    """`tiny` 1.0, 2.0, 2.5 (yanked) and 3.0rc1."""
    state = _Index(http_server())
    monkeypatch.setenv(PYPI_JSON_ENV, state.base)
    state.add("1.0", "2020-01-01", _sdist("tiny", "1.0"))
    state.add("2.0", "2022-01-01", _sdist("tiny", "2.0"))
    state.add("2.5", "2022-02-01", _sdist("tiny", "2.5"), yanked=True)
    state.add("3.0rc1", "2022-03-01", _sdist("tiny", "3.0rc1"))
    return state


def _tiny(version: str = "", date: str | None = "2021-06-01", pypi: bool = False) -> Project:
    package = PythonPackage("tiny", version, pypi=pypi, editable="code")
    return Project(python=Python("3.11", date, {"tiny": package}))


def test_sdist_of_the_newest_release_by_the_ecosystem_date(tmp_path: Path, index) -> None:
    assert fetch_editable_sdists(_tiny(), tmp_path, offline=False) == [tmp_path / "code/tiny"]
    checkout = tmp_path / "code" / "tiny"
    assert (checkout / "tiny" / "__init__.py").read_text() == "VERSION = '1.0'\n"
    # Unpacked with the top folder stripped, and nothing else left in code/.
    assert sorted(p.name for p in (tmp_path / "code").iterdir()) == ["tiny"]
    # Its dependencies are the lock's business now.
    assert '"six",' in lock_input(_tiny(), tmp_path).pyproject  # type: ignore[union-attr]


def test_sdist_pinned_version_pypi_and_no_yanked_or_prerelease(tmp_path: Path, index) -> None:
    fetch_editable_sdists(_tiny("==2.0", "2023-01-01"), tmp_path / "a", offline=False)
    assert "'2.0'" in (tmp_path / "a/code/tiny/tiny/__init__.py").read_text()
    # pypi: escapes the date; 2.5 is yanked and 3.0rc1 a pre-release.
    fetch_editable_sdists(_tiny(pypi=True), tmp_path / "b", offline=False)
    assert "'2.0'" in (tmp_path / "b/code/tiny/tiny/__init__.py").read_text()
    with pytest.raises(ConfigError, match="no sdist for >=5"):
        fetch_editable_sdists(_tiny(">=5"), tmp_path / "c", offline=False)


def test_existing_checkout_untouched_and_offline_refuses(tmp_path: Path, index) -> None:
    write(tmp_path / "code" / "tiny" / "mine.py", "edited = True\n")
    assert fetch_editable_sdists(_tiny(), tmp_path, offline=True) == []
    assert sorted(p.name for p in (tmp_path / "code" / "tiny").iterdir()) == ["mine.py"]
    with pytest.raises(NetworkError, match="code/tiny"):
        fetch_editable_sdists(_tiny(), tmp_path / "other", offline=True)


def test_unsafe_sdist_is_refused_and_leaves_nothing(tmp_path: Path, index) -> None:
    index.add("1.0", "2020-01-01", _sdist("tiny", "1.0", {"tiny-1.0/../../evil.py": b"x"}))
    with pytest.raises(FailureError, match="unsafe archive member"):
        fetch_editable_sdists(_tiny(), tmp_path, offline=False)
    assert list((tmp_path / "code").iterdir()) == []
    assert not (tmp_path.parent / "evil.py").exists()


def test_tampered_sdist_is_refused(tmp_path: Path, index) -> None:
    index.server.add("/files/tiny-1.0.tar.gz", raw=_sdist("tiny", "1.0", {"tiny-1.0/x.py": b"x"}))
    with pytest.raises(FailureError, match="sha256"):
        fetch_editable_sdists(_tiny(), tmp_path, offline=False)
    assert list((tmp_path / "code").iterdir()) == []


def test_metadata_files_name_what_decides_lock_and_scripts(tmp_path: Path) -> None:
    from anysnake2.runtime.editables import metadata_files

    project = Project(python=Python("3.11", packages={"b": _editable("b"), "a": _editable("a")}))
    files = [str(p.relative_to(tmp_path)) for p in metadata_files(project, tmp_path)]
    assert files == [
        "code/a/pyproject.toml",
        "code/a/requirements.txt",
        "code/a/setup.cfg",
        "code/a/setup.py",
        "code/b/pyproject.toml",
        "code/b/requirements.txt",
        "code/b/setup.cfg",
        "code/b/setup.py",
    ]
