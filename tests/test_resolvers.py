"""Resolvers: GitHub API (local server), git ls-remote and hg id (local repos), PyPI, cache."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from _http_server import LocalServer
from conftest import git

from anysnake2 import _log
from anysnake2.errors import ConfigError, NetworkError
from anysnake2.resolve.cache import ResolveCache
from anysnake2.resolve.github import github_uses_export_subst
from anysnake2.resolve.remote import (
    NotCached,
    ResolvedRevision,
    newest_pypi_version,
    resolve_revision,
)

NIXPKGS = "github:NixOS/nixpkgs"
REPO = "/repos/NixOS/nixpkgs"
TAGS1 = f"{REPO}/tags?per_page=100&page=1"
TAGS2 = f"{REPO}/tags?per_page=100&page=2"
SHA_2405 = "2405" * 10
SHA_MASTER = "a" * 39 + "1"
SHA_RELEASE = "b" * 39 + "2"
NIX_PATTERN = r"^\d\d\.\d\d$"
_ENV = (
    "GITHUB_TOKEN",
    "ANYSNAKE2_GITHUB_API_USERNAME",
    "ANYSNAKE2_GITHUB_API_PASSWORD",
    "ANYSNAKE2_PYPI_JSON_URL",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.netrc, no ~/.hgrc surprises
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def gh(monkeypatch: pytest.MonkeyPatch, http_server) -> Iterator[LocalServer]:
    server = http_server(github_api=True)
    server.add(REPO, file="repo.json")
    server.add(
        TAGS1,
        file="tags_page1.json",
        headers={
            "Link": f'<{{base}}{TAGS2}>; rel="next", <{{base}}{TAGS2}>; rel="last"',
        },
    )
    server.add(TAGS2, file="tags_page2.json")
    server.add(f"{REPO}/branches/master", file="branch_master.json")
    server.add(f"{REPO}/branches/release-24.05", file="branch_release-24.05.json")
    server.add(f"{REPO}/branches?per_page=100", file="branches.json")
    monkeypatch.setenv("ANYSNAKE2_GITHUB_API_URL", server.url)
    yield server


@pytest.fixture
def cache(tmp_path: Path) -> ResolveCache:
    return ResolveCache(tmp_path / ".anysnake2_flake" / "resolve_cache.json")


# --- GitHub --------------------------------------------------------------------------


def test_github_tag_over_two_pages_then_cached(gh: LocalServer, cache: ResolveCache) -> None:
    got = resolve_revision(NIXPKGS, "14.04", cache=cache)  # on the second page
    assert got == ResolvedRevision("1404" * 10, "14.04", "tag")
    assert gh.paths() == [TAGS1, TAGS2]
    cache.save()

    # A new process (a fresh cache object from the file): any tag, no request at all.
    again = ResolveCache(cache.path)
    assert resolve_revision(NIXPKGS, "24.05", cache=again).rev == SHA_2405
    assert resolve_revision("github:/NixOS/nixpkgs", "14.04", cache=again).rev == "1404" * 10
    assert gh.paths() == [TAGS1, TAGS2]


def test_github_newest_tag_compares_versions(gh: LocalServer, cache: ResolveCache) -> None:
    got = resolve_revision(NIXPKGS, None, cache=cache, newest_tag_pattern=NIX_PATTERN)
    # 9.12 sorts last as text and 24.05-beta does not match: 24.05 is the newest.
    assert got == ResolvedRevision(SHA_2405, "24.05", "newest-tag")


def test_github_default_branch_head_cached(gh: LocalServer, cache: ResolveCache) -> None:
    got = resolve_revision(NIXPKGS, None, cache=cache)
    assert got == ResolvedRevision(SHA_MASTER, "master", "default-branch")
    assert gh.paths() == [REPO, f"{REPO}/branches/master"]
    assert resolve_revision(NIXPKGS, None, cache=cache) == got
    assert len(gh.requests) == 2


def test_github_branch_head(gh: LocalServer, cache: ResolveCache) -> None:
    got = resolve_revision(NIXPKGS, "release-24.05", cache=cache)
    assert got == ResolvedRevision(SHA_RELEASE, "release-24.05", "branch")
    count = len(gh.requests)
    assert resolve_revision(NIXPKGS, "release-24.05", cache=cache) == got
    assert len(gh.requests) == count
    # refresh=True asks again (moving a pin forward on purpose).
    resolve_revision(NIXPKGS, "release-24.05", cache=cache, refresh=True)
    assert len(gh.requests) > count


def test_github_unknown_ref_suggests_near_names(gh: LocalServer, cache: ResolveCache) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_revision(NIXPKGS, "release-24.5", cache=cache)
    assert info.value.exit_code == 65
    assert "github:NixOS/nixpkgs has no tag or branch 'release-24.5'" in info.value.message
    assert "release-24.05" in (info.value.hint or "")


def test_github_unknown_repository(gh: LocalServer, cache: ResolveCache) -> None:
    with pytest.raises(ConfigError, match="repository nobody/nothing not found"):
        resolve_revision("github:nobody/nothing", "1.0", cache=cache)


def test_github_rate_limit_explains_tokens(gh: LocalServer, cache: ResolveCache) -> None:
    gh.add(
        TAGS1,
        file="rate_limited.json",
        status=403,
        headers={
            "X-RateLimit-Limit": "60",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "1767225600",
            "X-RateLimit-Resource": "core",
        },
    )
    with pytest.raises(NetworkError) as info:
        resolve_revision(NIXPKGS, "24.05", cache=cache)
    err = info.value
    assert err.exit_code == 75
    assert "rate limit" in err.message
    assert "2026-01-01 00:00:00 UTC" in err.message
    assert "GITHUB_TOKEN" in err.render()
    assert "ANYSNAKE2_GITHUB_API_USERNAME" in err.render()
    assert "ANYSNAKE2_GITHUB_API_PASSWORD" in err.render()


def test_github_429_retry_after(gh: LocalServer, cache: ResolveCache) -> None:
    gh.add(REPO, file="rate_limited.json", status=429, headers={"Retry-After": "60"})
    with pytest.raises(NetworkError, match="rate limit.*retry after 60 seconds"):
        resolve_revision(NIXPKGS, None, cache=cache)


def test_github_server_error(gh: LocalServer, cache: ResolveCache) -> None:
    gh.add(TAGS1, file="server_error.json", status=500)
    with pytest.raises(NetworkError) as info:
        resolve_revision(NIXPKGS, "24.05", cache=cache)
    assert info.value.exit_code == 75
    assert f"{gh.url}{REPO}/tags" in info.value.message
    assert "HTTP 500" in info.value.message


def test_connection_failure_hints_offline_and_proxy(
    monkeypatch: pytest.MonkeyPatch, cache: ResolveCache
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("ANYSNAKE2_GITHUB_API_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(NetworkError) as info:
        resolve_revision(NIXPKGS, "24.05", cache=cache)
    assert "--offline" in (info.value.hint or "")
    assert "PROXY" in (info.value.hint or "")


def test_basic_auth_from_anysnake2_variables(
    gh: LocalServer, cache: ResolveCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANYSNAKE2_GITHUB_API_USERNAME", "octocat")
    monkeypatch.setenv("ANYSNAKE2_GITHUB_API_PASSWORD", "ghp_secret123")
    monkeypatch.setenv("GITHUB_TOKEN", "ignored-when-basic-is-set")
    resolve_revision(NIXPKGS, "24.05", cache=cache)
    expected = "Basic " + base64.b64encode(b"octocat:ghp_secret123").decode()
    assert all(seen.headers.get("Authorization") == expected for seen in gh.requests)
    assert gh.requests[0].headers["User-Agent"].startswith("anysnake2/")
    cache.save()
    assert "ghp_secret123" not in cache.path.read_text()


def test_github_token_as_bearer(
    gh: LocalServer, cache: ResolveCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_token456")
    resolve_revision(NIXPKGS, None, cache=cache)
    assert gh.requests[0].headers.get("Authorization") == "Bearer ghp_token456"


def test_no_credentials_no_authorization_header(gh: LocalServer, cache: ResolveCache) -> None:
    resolve_revision(NIXPKGS, None, cache=cache)
    assert "Authorization" not in gh.requests[0].headers


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy"])
def test_proxy_variables_are_honoured(
    variable: str, monkeypatch: pytest.MonkeyPatch, cache: ResolveCache, http_server
) -> None:
    # The API host does not exist: only a proxy can answer. The fake server acts as one.
    proxy = http_server(github_api=True)
    proxy.add(REPO, file="repo.json")
    proxy.add(f"{REPO}/branches/master", file="branch_master.json")
    monkeypatch.setenv("ANYSNAKE2_GITHUB_API_URL", "http://api.github.test")
    monkeypatch.setenv(variable, proxy.url)
    got = resolve_revision(NIXPKGS, None, cache=cache)
    assert got.rev == SHA_MASTER
    assert [seen.proxied for seen in proxy.requests] == [True, True]
    assert proxy.requests[0].headers["Host"] == "api.github.test"


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy"])
def test_https_proxy_variables_are_honoured(
    variable: str, monkeypatch: pytest.MonkeyPatch, cache: ResolveCache, http_server
) -> None:
    proxy = http_server()
    monkeypatch.setenv("ANYSNAKE2_GITHUB_API_URL", "https://api.github.test")
    monkeypatch.setenv(variable, proxy.url)
    with pytest.raises(NetworkError) as info:
        resolve_revision(NIXPKGS, None, cache=cache)
    # The proxy was asked for a tunnel (and refused it): the variable was used.
    assert [(s.method, s.path) for s in proxy.requests] == [("CONNECT", "api.github.test:443")]
    assert "proxy" in info.value.message
    assert "HTTPS_PROXY" in (info.value.hint or "")


def test_export_subst_detected_and_cached(gh: LocalServer, cache: ResolveCache) -> None:
    path = f"{REPO}/contents/.gitattributes?ref={SHA_2405}"
    gh.add(path, file="contents_gitattributes.json")
    assert github_uses_export_subst("NixOS", "nixpkgs", SHA_2405, cache=cache) is True
    assert github_uses_export_subst("NixOS", "nixpkgs", SHA_2405, cache=cache) is True
    assert gh.paths() == [path]
    # No .gitattributes at all (404): a tarball is fine.
    assert github_uses_export_subst("NixOS", "nixpkgs", SHA_MASTER, cache=cache) is False
    assert github_uses_export_subst("NixOS", "nixpkgs", SHA_MASTER, cache=cache) is False
    assert len(gh.requests) == 2


def test_offline_github_cache_hit_and_miss(gh: LocalServer, cache: ResolveCache) -> None:
    resolve_revision(NIXPKGS, "24.05", cache=cache)
    count = len(gh.requests)
    assert resolve_revision(NIXPKGS, "23.11", cache=cache, offline=True).rev == "2311" * 10
    with pytest.raises(NotCached):
        resolve_revision(NIXPKGS, "master", cache=cache, offline=True)
    with pytest.raises(NotCached):
        resolve_revision(NIXPKGS, None, cache=cache, offline=True)
    assert len(gh.requests) == count


# --- git ---------------------------------------------------------------------------------


@pytest.fixture
def git_repo(tmp_path: Path) -> dict[str, str]:
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", "-b", "trunk", cwd=repo)
    git("commit", "-q", "--allow-empty", "-m", "one", cwd=repo)
    first = git("rev-parse", "HEAD", cwd=repo)
    git("tag", "23.11", cwd=repo)
    git("tag", "-a", "24.05", "-m", "annotated release", cwd=repo)
    git("tag", "9.12", cwd=repo)
    git("commit", "-q", "--allow-empty", "-m", "two", cwd=repo)
    second = git("rev-parse", "HEAD", cwd=repo)
    git("branch", "feature", first, cwd=repo)
    git("branch", "clash", second, cwd=repo)
    git("tag", "clash", first, cwd=repo)  # a tag and a branch of the same name
    return {"path": str(repo), "first": first, "second": second}


def test_git_tags_branches_and_default(git_repo: dict[str, str], cache: ResolveCache) -> None:
    path, first, second = git_repo["path"], git_repo["first"], git_repo["second"]
    url = f"git+file://{path}"
    assert resolve_revision(url, "23.11", cache=cache) == ResolvedRevision(first, "23.11", "tag")
    # Annotated: the commit, not the tag object.
    assert resolve_revision(url, "24.05", cache=cache).rev == first
    assert resolve_revision(url, "feature", cache=cache) == ResolvedRevision(
        first, "feature", "branch"
    )
    assert resolve_revision(url, "clash", cache=cache) == ResolvedRevision(first, "clash", "tag")
    # HEAD points at 'trunk' (neither main nor master).
    assert resolve_revision(url, None, cache=cache) == ResolvedRevision(
        second, "trunk", "default-branch"
    )
    assert resolve_revision(path, None, cache=cache).rev == second  # a plain path works too
    newest = resolve_revision(url, None, cache=cache, newest_tag_pattern=NIX_PATTERN)
    assert newest == ResolvedRevision(first, "24.05", "newest-tag")


def test_git_cached_and_offline(git_repo: dict[str, str], cache: ResolveCache) -> None:
    url = f"git+file://{git_repo['path']}"
    resolve_revision(url, "feature", cache=cache)
    with pytest.raises(NotCached):  # HEAD is asked only when a default branch is wanted
        resolve_revision(url, None, cache=cache, offline=True)
    resolve_revision(url, None, cache=cache)
    cache.save()
    shutil.rmtree(git_repo["path"])  # any further ls-remote would fail
    again = ResolveCache(cache.path)
    assert resolve_revision(url, "23.11", cache=again).rev == git_repo["first"]
    assert resolve_revision(url, None, cache=again, offline=True).ref == "trunk"
    with pytest.raises(NotCached):
        resolve_revision(url, "no-such-tag", cache=again, offline=True)
    with pytest.raises(NotCached):
        resolve_revision("git+file:///elsewhere", None, cache=again, offline=True)


def test_git_unknown_ref_and_missing_repo(
    git_repo: dict[str, str], cache: ResolveCache, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_revision(f"git+file://{git_repo['path']}", "featur", cache=cache)
    assert "feature" in (info.value.hint or "")
    with pytest.raises(ConfigError, match="no such repository"):
        resolve_revision(f"git+file://{tmp_path}/missing", None, cache=cache)


def test_git_default_branch_fallbacks(tmp_path: Path, cache: ResolveCache) -> None:
    src = tmp_path / "src"
    src.mkdir()
    git("init", "-q", "-b", "master", cwd=src)
    git("commit", "-q", "--allow-empty", "-m", "one", cwd=src)
    git("branch", "other", cwd=src)
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(bare)], check=True)
    # A HEAD that points nowhere: no symref in ls-remote; master is the fallback.
    (bare / "HEAD").write_text("ref: refs/heads/gone\n")
    got = resolve_revision(f"git+file://{bare}", None, cache=cache)
    assert got.ref == "master"
    git("branch", "-m", "master", "dev", cwd=bare)
    with pytest.raises(ConfigError, match="branches: dev, other"):
        resolve_revision(f"git+file://{bare}", None, cache=cache, refresh=True)


def test_git_credentials_never_cached_or_logged(
    tmp_path: Path, cache: ResolveCache, capsys: pytest.CaptureFixture[str], http_server
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    git("init", "-q", "-b", "main", cwd=src)
    git("commit", "-q", "--allow-empty", "-m", "one", cwd=src)
    git("tag", "1.0", cwd=src)
    bare = tmp_path / "served.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(bare)], check=True)
    git("update-server-info", cwd=bare)
    head = git("rev-parse", "HEAD", cwd=src)
    server = http_server()
    server.folder("/served.git", bare)  # git's "dumb" HTTP protocol: the files as they are
    port = server.port
    url = f"git+http://alice:s3cretpw@127.0.0.1:{port}/served.git"
    previous = _log.verbosity()
    _log.set_verbosity(3)
    try:
        got = resolve_revision(url, "1.0", cache=cache)
    finally:
        _log.set_verbosity(previous)
    assert got.rev == head
    cache.save()
    text = cache.path.read_text()
    assert f"http://127.0.0.1:{port}/served.git" in text
    assert "s3cretpw" not in text and "alice" not in text
    assert "s3cretpw" not in capsys.readouterr().err


# --- mercurial ---------------------------------------------------------------------------


def _hg(repo: Path, *args: str) -> str:
    env = dict(os.environ, HGUSER="t <t@example.com>", HGPLAIN="1")
    out = subprocess.run(
        ["hg", "-R", str(repo), *args], check=True, capture_output=True, text=True, env=env
    )
    return out.stdout.strip()


def test_hg_default_tag_and_branch(tmp_path: Path, cache: ResolveCache) -> None:
    repo = tmp_path / "hgrepo"
    subprocess.run(["hg", "init", str(repo)], check=True)
    (repo / "a").write_text("1")
    _hg(repo, "commit", "-q", "-A", "-m", "one")
    first = _hg(repo, "log", "-r", ".", "-T", "{node}")
    _hg(repo, "tag", "-r", first, "1.0")  # commits .hgtags: default moves on
    default_head = _hg(repo, "log", "-r", ".", "-T", "{node}")
    _hg(repo, "branch", "-q", "stable")
    (repo / "a").write_text("2")
    _hg(repo, "commit", "-q", "-m", "on stable")
    stable = _hg(repo, "log", "-r", ".", "-T", "{node}")

    for url in (f"hg+file://{repo}", f"hg+{repo}"):
        assert resolve_revision(url, None, cache=cache) == ResolvedRevision(
            default_head, "default", "default-branch"
        )
        assert resolve_revision(url, "1.0", cache=cache) == ResolvedRevision(first, "1.0", "tag")
        assert resolve_revision(url, "stable", cache=cache) == ResolvedRevision(
            stable, "stable", "branch"
        )
    with pytest.raises(ConfigError, match="no tag or branch 'nope'"):
        resolve_revision(f"hg+{repo}", "nope", cache=cache)
    shutil.rmtree(repo)
    assert resolve_revision(f"hg+{repo}", "1.0", cache=cache, offline=True).rev == first
    with pytest.raises(NotCached):
        resolve_revision(f"hg+{repo}", "2.0", cache=cache, offline=True)


# --- PyPI and the cache file -------------------------------------------------------------


def test_pypi_newest_version(
    monkeypatch: pytest.MonkeyPatch, cache: ResolveCache, http_server
) -> None:
    index = http_server(github_api=True)
    index.add("/pypi/pandas/json", file="pypi_pandas.json")
    monkeypatch.setenv("ANYSNAKE2_PYPI_JSON_URL", index.url + "/")
    assert newest_pypi_version("Pandas", cache=cache) == "2.2.3"
    assert newest_pypi_version("pandas", cache=cache, offline=True) == "2.2.3"
    assert index.paths() == ["/pypi/pandas/json"]
    with pytest.raises(ConfigError, match="no package no-such-thing on PyPI"):
        newest_pypi_version("no-such-thing", cache=cache)
    with pytest.raises(NotCached):
        newest_pypi_version("numpy", cache=cache, offline=True)


def test_cache_file_sorted_atomic_and_corrupt_tolerated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c" / "resolve_cache.json"
    cache = ResolveCache(path)
    cache.save()
    assert not path.exists()  # nothing changed: nothing written
    cache.put("zeta", "b", 1)
    cache.put("alpha", "z", {"y": 2, "x": 1})
    cache.save()
    data = path.read_text()
    assert list(json.loads(data)) == ["alpha", "zeta"]
    assert data.index('"x"') < data.index('"y"')
    mtime = path.stat().st_mtime_ns
    cache.put("zeta", "b", 1)  # same value: no write
    cache.save()
    assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in path.parent.iterdir()] == ["resolve_cache.json"]

    path.write_text("{not json")
    broken = ResolveCache(path)
    assert broken.get("zeta", "b") is None
    assert "not valid JSON" in capsys.readouterr().err
