"""Clones (issue 8, item 1): real git and hg repositories made here, cloned once, never
touched again; failures leave nothing behind; credentials never recorded nor shown."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from anysnake2 import _log
from anysnake2.errors import ConfigError, FailureError, NetworkError
from anysnake2.model import CloneOptions, Project, Python, PythonPackage
from anysnake2.runtime.clones import perform_clones
from anysnake2.sources import parse_source
from anysnake2.toml_compat.reader import read_project_text

IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "HGUSER": "Test <test@example.org>",
    "HGRCPATH": "",
}


def sh(*argv: str | Path, cwd: Path | None = None) -> str:
    env = {**os.environ, **IDENTITY}
    out = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def commit(repo: Path, name: str, text: str) -> str:
    (repo / name).write_text(text)
    sh("git", "add", name, cwd=repo)
    sh("git", "commit", "-q", "-m", f"{name}: {text}", cwd=repo)
    return sh("git", "rev-parse", "HEAD", cwd=repo)


@pytest.fixture(scope="module")
def git_repo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    repo = tmp_path_factory.mktemp("origin") / "gitrepo"
    repo.mkdir()
    sh("git", "init", "-q", "-b", "main", repo)
    first = commit(repo, "a.txt", "one")
    second = commit(repo, "a.txt", "two")
    sh("git", "checkout", "-q", "-b", "dev", cwd=repo)
    dev1 = commit(repo, "b.txt", "dev one")
    dev2 = commit(repo, "b.txt", "dev two")
    sh("git", "checkout", "-q", "main", cwd=repo)
    return {"path": repo, "first": first, "main": second, "dev1": dev1, "dev": dev2}


@pytest.fixture(scope="module")
def hg_repo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    repo = tmp_path_factory.mktemp("origin") / "hgrepo"
    sh("hg", "init", repo)
    ids = []
    for text in ("one", "two"):
        (repo / "a.txt").write_text(text)
        sh("hg", "commit", "-q", "-A", "-m", text, cwd=repo)
        ids.append(sh("hg", "log", "-r", ".", "-T", "{node}", cwd=repo))
    return {"path": repo, "first": ids[0], "tip": ids[1]}


def head(checkout: Path) -> str:
    return sh("git", "-C", checkout, "rev-parse", "HEAD")


def project(clones: dict[str, dict[str, str]], **fields: object) -> Project:
    return Project(clones=clones, **fields)  # type: ignore[arg-type]


def info(directory: Path) -> dict[str, str]:
    return json.loads((directory / ".clone_info.json").read_text())


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "anysnake2-clone-tmp" in p.name)


def test_git_clone_once_recorded_and_never_pulled(tmp_path, git_repo):
    url = f"git+file://{git_repo['path']}"
    results = perform_clones(project({"code": {"repo": url}}), tmp_path)
    target = tmp_path / "code" / "repo"
    assert [(r.directory, r.name, r.target, r.url, r.cloned) for r in results] == [
        ("code", "repo", target, url, True)
    ]
    assert head(target) == git_repo["main"]
    assert (target / "a.txt").read_text() == "two"
    text = (tmp_path / "code" / ".clone_info.json").read_text()
    assert text == json.dumps({"repo": url}, indent=2) + "\n"
    # Work in the checkout survives; a second run neither pulls nor resets.
    (target / "a.txt").write_text("local edit")
    again = perform_clones(project({"code": {"repo": url}}), tmp_path)
    assert [r.cloned for r in again] == [False]
    assert (target / "a.txt").read_text() == "local edit"
    assert head(target) == git_repo["main"]
    assert leftovers(tmp_path / "code") == []


def test_git_ref_and_rev(tmp_path, git_repo):
    base = f"git+file://{git_repo['path']}"
    clones = {
        "code": {
            "branch": f"{base}?ref=dev",
            "pinned": f"{base}?rev={git_repo['first']}",
            "both": f"{base}?ref=dev&rev={git_repo['dev1']}",
        }
    }
    perform_clones(project(clones), tmp_path)
    code = tmp_path / "code"
    assert head(code / "branch") == git_repo["dev"]
    assert sh("git", "-C", code / "branch", "rev-parse", "--abbrev-ref", "HEAD") == "dev"
    assert head(code / "pinned") == git_repo["first"]
    assert (code / "pinned" / "a.txt").read_text() == "one"
    assert head(code / "both") == git_repo["dev1"]
    assert (code / "both" / "b.txt").read_text() == "dev one"
    assert info(code) == dict(sorted(clones["code"].items()))


def test_hg_clone_and_rev(tmp_path, hg_repo):
    base = f"hg+file://{hg_repo['path']}"
    perform_clones(
        project({"hg": {"tip": base, "old": f"{base}?rev={hg_repo['first']}"}}), tmp_path
    )
    ident = ["hg", "log", "-r", ".", "-T", "{node}"]
    assert sh(*ident, cwd=tmp_path / "hg" / "tip") == hg_repo["tip"]
    assert sh(*ident, cwd=tmp_path / "hg" / "old") == hg_repo["first"]
    assert (tmp_path / "hg" / "old" / "a.txt").read_text() == "one"
    assert info(tmp_path / "hg")["old"] == f"{base}?rev={hg_repo['first']}"


def test_file_urls_copy_the_folder_relative_to_the_project_root(tmp_path):
    source = tmp_path / "proj" / "vendor" / "lib"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "x.py").write_text("x = 1\n")
    (source / ".hidden").write_text("dotfiles too\n")
    root = tmp_path / "proj"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "y.txt").write_text("y")
    clones = {"code": {"rel": "file://vendor/lib", "abs": f"file://{outside}"}}
    perform_clones(project(clones), root)
    assert tree_hashes(root / "code" / "rel") == tree_hashes(source)
    assert (root / "code" / "rel" / ".hidden").exists()
    assert (root / "code" / "abs" / "y.txt").read_text() == "y"


@pytest.mark.parametrize(
    "table",
    [
        '[clone_regexps]\n"@local/(.+)" = "git+file://{base}/\\\\1"\n',
        '[clone_options.clone_regexps]\n"^@local/(.+)$" = "git+file://{base}/$1"\n',
    ],
    ids=["1.x", "2.x"],
)
def test_clone_regexps_end_to_end(tmp_path, git_repo, table):
    base = git_repo["path"].parent  # type: ignore[union-attr]
    text = table.format(base=base) + textwrap.dedent(
        """
        [clones.code]
        mine = "@local/gitrepo"
        """
    )
    proj = read_project_text(text, str(tmp_path / "anysnake2.toml"))
    perform_clones(proj, tmp_path)
    assert head(tmp_path / "code" / "mine") == git_repo["main"]
    assert info(tmp_path / "code") == {"mine": f"git+file://{base}/gitrepo"}


def test_changed_url_refuses_and_touches_nothing(tmp_path, git_repo):
    base = f"git+file://{git_repo['path']}"
    perform_clones(project({"code": {"repo": base}}), tmp_path)
    code = tmp_path / "code"
    (code / "repo" / "a.txt").write_text("unsaved work")
    before = tree_hashes(code)
    changed = {"code": {"repo": f"{base}?ref=dev", "newcomer": base}}
    with pytest.raises(FailureError) as caught:
        perform_clones(project(changed), tmp_path)
    error = caught.value
    assert error.exit_code == 70
    assert "Url changed for clone target: code/repo" in error.message
    assert f"Was '{base}' is now '{base}?ref=dev'" in error.message
    assert "Cowardly refusing" in error.message and "nothing was touched" in error.message
    assert tree_hashes(code) == before  # byte for byte, .git included
    assert not (code / "newcomer").exists()  # checked before anything is cloned


def test_changed_url_for_an_empty_target_is_cloned(tmp_path, git_repo):
    code = tmp_path / "code"
    (code / "repo").mkdir(parents=True)
    (code / ".clone_info.json").write_text('{"repo": "git+https://old.example/repo"}')
    perform_clones(project({"code": {"repo": f"git+file://{git_repo['path']}"}}), tmp_path)
    assert head(code / "repo") == git_repo["main"]


@pytest.mark.parametrize("problem", ["missing rev", "missing repo"])
def test_failed_clone_leaves_nothing_behind(tmp_path, git_repo, problem):
    url = (
        f"git+file://{git_repo['path']}?rev={'0' * 40}"
        if problem == "missing rev"
        else f"git+file://{tmp_path}/nope"
    )
    with pytest.raises(FailureError) as caught:
        perform_clones(project({"code": {"repo": url}}), tmp_path)
    assert caught.value.exit_code == 70
    assert "Failed to clone code/repo" in caught.value.message
    code = tmp_path / "code"
    assert not code.exists()  # the clone folder made for it is gone again
    # The next run with a good URL works.
    perform_clones(project({"code": {"repo": f"git+file://{git_repo['path']}"}}), tmp_path)
    assert head(code / "repo") == git_repo["main"]


def test_failed_clone_keeps_a_folder_that_was_there(tmp_path, git_repo):
    code = tmp_path / "code"
    code.mkdir()
    (code / "mine.txt").write_text("kept")
    with pytest.raises(FailureError):
        perform_clones(project({"code": {"repo": f"git+file://{tmp_path}/nope"}}), tmp_path)
    assert sorted(p.name for p in code.iterdir()) == ["mine.txt"]


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("url", ["github:nobody/unreachable", "git+https://unreachable.invalid/r"])
def test_offline_refuses_network_clones_and_touches_nothing(tmp_path, git_repo, url):
    (tmp_path / "other").mkdir()
    before = _listing(tmp_path)
    wanted = {"code": {"local": f"git+file://{git_repo['path']}", "remote": url}}
    with pytest.raises(NetworkError) as caught:
        perform_clones(project(wanted), tmp_path, offline=True)
    assert caught.value.exit_code == 75
    assert f"not cloning code/remote from {url}" in caught.value.message
    assert "local" not in caught.value.message
    assert _listing(tmp_path) == before
    # Local sources need no network: they are cloned offline.
    local_only = {"code": {"local": wanted["code"]["local"]}}
    results = perform_clones(project(local_only), tmp_path, offline=True)
    assert [r.name for r in results if r.cloned] == ["local"]


def test_offline_cli_leaves_the_project_as_it_was(tmp_path):
    """`anysnake2 --offline build flake` with a clone from an unreachable URL: 75, no trace."""
    from anysnake2 import __version__
    from tests.test_cli_frame import anysnake2

    (tmp_path / "anysnake2.toml").write_text(
        f'[anysnake2]\nversion = "{__version__}"\n\n[nixpkgs]\n'
        f'url = "github:NixOS/nixpkgs"\nrev = "{"a" * 40}"\n\n'
        '[clones.code]\nrepo = "git+https://unreachable.invalid/repo"\n'
    )
    before = {p: p.read_bytes() for p in tmp_path.rglob("*")}
    for args in (["--offline", "build", "flake"], ["build", "flake", "--offline"]):
        proc = anysnake2(*args, cwd=tmp_path)
        assert proc.returncode == 75, proc.stderr
        assert "not cloning code/repo from git+https://unreachable.invalid/repo" in proc.stderr
        assert {p: p.read_bytes() for p in tmp_path.rglob("*")} == before


def test_leftover_of_a_killed_run_is_removed(tmp_path, git_repo):
    code = tmp_path / "code"
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = code / f".repo.anysnake2-clone-tmp-{dead.pid}"
    (stale / ".git").mkdir(parents=True)
    alive = code / ".repo.anysnake2-clone-tmp-1"  # a running process's: not ours to remove
    alive.mkdir()
    perform_clones(project({"code": {"repo": f"git+file://{git_repo['path']}"}}), tmp_path)
    assert not stale.exists()
    assert alive.exists()
    assert head(code / "repo") == git_repo["main"]


def test_credentials_never_recorded_nor_shown(tmp_path, capsys):
    secret = "s3cretPassw0rd"
    url = f"git+https://alice:{secret}@127.0.0.1:9/repo.git?ref=main"
    level = _log.verbosity()
    _log.set_verbosity(3)  # debug: argv and git's stderr are logged too
    try:
        with pytest.raises(FailureError) as caught:
            perform_clones(project({"code": {"repo": url}}), tmp_path)
    finally:
        _log.set_verbosity(level)
    captured = capsys.readouterr()
    assert "https://127.0.0.1:9/repo.git?ref=main" in caught.value.message
    assert secret not in caught.value.render()
    assert secret not in captured.err + captured.out
    assert "alice" not in captured.err + caught.value.render()
    code = tmp_path / "code"
    assert not (code / "repo").exists()
    recorded = code / ".clone_info.json"
    assert not recorded.exists() or secret not in recorded.read_text()


def test_existing_checkout_is_recorded_without_credentials(tmp_path):
    code = tmp_path / "code"
    (code / "repo").mkdir(parents=True)
    (code / "repo" / "file").write_text("already here")
    # An original-era info file holding credentials is scrubbed, and equal URLs match.
    (code / ".clone_info.json").write_text(
        json.dumps({"repo": "git+https://bob:pw1@example.org/r.git", "gone": "hg+https://x:y@h/z"})
    )
    url = "git+https://bob:pw2@example.org/r.git"
    results = perform_clones(project({"code": {"repo": url}}), tmp_path)
    assert [r.cloned for r in results] == [False]
    assert (code / "repo" / "file").read_text() == "already here"
    text = (code / ".clone_info.json").read_text()
    assert "pw" not in text and "bob" not in text and "x:y" not in text
    assert info(code) == {"gone": "hg+https://h/z", "repo": "git+https://example.org/r.git"}


def test_jujutsu_warns_once_and_clones_with_git(tmp_path, git_repo, capsys):
    url = f"git+file://{git_repo['path']}"
    proj = project({"a": {"one": url, "two": url}}, clone_options=CloneOptions(jujutsu=True))
    perform_clones(proj, tmp_path)
    err = capsys.readouterr().err
    assert err.count("jujutsu") == 1 and "git" in err
    assert head(tmp_path / "a" / "one") == head(tmp_path / "a" / "two") == git_repo["main"]


def test_editable_packages_with_a_source_are_cloned(tmp_path, git_repo):
    source = parse_source(f"git+file://{git_repo['path']}?ref=dev")
    packages = {
        "mypkg": PythonPackage("mypkg", source=source, editable="code"),
        "plain": PythonPackage("plain", editable="code"),  # no source: not a clone
    }
    proj = Project(python=Python("3.12", packages=packages))
    results = perform_clones(proj, tmp_path)
    assert [(r.directory, r.name) for r in results] == [("code", "mypkg")]
    assert head(tmp_path / "code" / "mypkg") == git_repo["dev"]
    assert not (tmp_path / "code" / "plain").exists()
    conflicting = Project(
        python=Python("3.12", packages={"mypkg": packages["mypkg"]}),
        clones={"code": {"mypkg": f"git+file://{git_repo['path']}"}},
    )
    with pytest.raises(ConfigError, match="two sources"):
        perform_clones(conflicting, tmp_path)


def test_credentials_reach_git_through_the_environment(tmp_path, capsys, http_server):
    """A local server that demands authentication sees the URL's credentials, while the
    logged argv and the error message do not contain them."""
    import base64

    server = http_server(auth=("alice", "s3cret"))  # serves no repository: the clone fails
    url = f"git+http://alice:s3cret@127.0.0.1:{server.port}/repo.git"
    level = _log.verbosity()
    _log.set_verbosity(3)
    try:
        with pytest.raises(FailureError) as caught:
            perform_clones(project({"code": {"repo": url}}), tmp_path)
    finally:
        _log.set_verbosity(level)
    expected = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    assert server.refused and server.served  # asked, then sent the credentials
    assert expected in [seen.headers.get("Authorization") for seen in server.requests]
    shown = capsys.readouterr().err + caught.value.render()
    assert "s3cret" not in shown and "alice" not in shown
    assert not (tmp_path / "code" / "repo").exists()
