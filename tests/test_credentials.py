"""Credentials in source URLs never reach a file, the store, argv, a log or a message.

Real servers over HTTP with basic auth (the test server of tests/_http_server.py running
`git http-backend` and Mercurial's hgweb as CGI programs on 127.0.0.1) serve a private
flake, a private git repository and a private hg repository. The config names them as
`git+http://alice:<secret>@...` / `hg+http://...`. `lock`, `build rootfs` and `run` must
fetch them (so the secret did reach git, hg and nix, through the environment), and
afterwards the secret is in no file of the project, of ~/.cache, of any store path created
meanwhile, in no output at -v 3, and in the argv of no git, hg, nix or uv started (wrappers
first on PATH record every argv). Every fetch path is covered: runtime clones (git, hg),
the lock's git sources (uv's git fetch and the lock-side clone), nix's fetch of a private
flake input, hg revision lookups, GitHub API pin lookups with a token, and the PyPI JSON
index of editable sdists.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest
from _http_server import LocalServer
from conftest import git, run_cli
from test_build import write_project

from anysnake2 import _log
from anysnake2.errors import ConfigError, FailureError
from anysnake2.resolve.local_sources import LocalSource, prepare_local
from anysnake2.sources import parse_source

PRIVATE_FLAKE = """\
{
  outputs = { self }: {
    packages.x86_64-linux.default = derivation {
      name = "privtool";
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "/bin/mkdir -p $out/bin && /bin/cp ${./privtool} $out/bin/privtool" ];
    };
  };
}
"""


def private_repo(served: Path, work: Path) -> str:
    """A bare repository served/priv.git holding a flake with one package; its head rev."""
    work.mkdir()
    git("init", "-q", "-b", "master", work)  # nix 2.8 fetches ?rev= from master
    (work / "flake.nix").write_text(PRIVATE_FLAKE)
    (work / "privtool").write_text("#!/bin/sh\necho private tool\n")
    (work / "privtool").chmod(0o755)
    git("add", ".", cwd=work)
    git("commit", "-q", "-m", "private", cwd=work)
    git("clone", "-q", "--bare", work, served / "priv.git")
    return git("rev-parse", "HEAD", cwd=work)


def files_holding(secret: str, *folders: Path) -> list[str]:
    """Every file below `folders` whose bytes contain `secret` (grep -r, symlinks not
    followed)."""
    existing = [str(f) for f in folders if f.exists()]
    if not existing:
        return []
    proc = subprocess.run(
        ["grep", "-rlF", "--", secret, *existing], capture_output=True, text=True, check=False
    )
    return proc.stdout.split()


def store_paths() -> set[str]:
    return set(os.listdir("/nix/store"))


HGWEB = """\
from mercurial import demandimport

demandimport.enable()
from mercurial.hgweb import hgweb, wsgicgi

wsgicgi.launch(hgweb({repo!r}))
"""


def serve_private(server: LocalServer, served: Path) -> LocalServer:
    """`server` running git http-backend for the bare repositories in `served` below /git
    and hgweb for `served/privhg` at /hg (after the server's own basic auth)."""
    env = {"GIT_PROJECT_ROOT": str(served), "GIT_HTTP_EXPORT_ALL": "1"}
    server.cgi("/git", ["git", "http-backend"], env | {"GIT_HTTP_MAX_REQUEST_BUFFER": "100M"})
    if (served / "privhg").is_dir():
        script = served / "hgweb.cgi"
        script.write_text(HGWEB.format(repo=str(served / "privhg").encode()))
        server.cgi("/hg", ["/usr/bin/python3", str(script)], {"HGENCODING": "utf-8"})
    return server


def private_hg(served: Path) -> str:
    """An hg repository served/privhg with one file; its tip's node."""
    repo = served / "privhg"
    subprocess.run(["hg", "init", str(repo)], check=True)
    (repo / "hgtool.txt").write_text("from hg\n")
    env = dict(os.environ, HGUSER="t <t@t>", HGPLAIN="1")
    subprocess.run(["hg", "-R", str(repo), "commit", "-q", "-A", "-m", "one"], check=True, env=env)
    return subprocess.run(
        ["hg", "-R", str(repo), "log", "-r", "tip", "-T", "{node}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


# argv, a tab, the environment's names (awk prints no value), one line per call
WRAPPER = """#!/bin/sh
{
  printf '%s' TOOL
  for a in "$@"; do printf ' %s' "$a"; done
  printf '\\t'
  awk 'BEGIN { for (k in ENVIRON) printf "%s ", k }'
  echo
} >> LOG
exec REAL "$@"
"""


class ArgvSpy:
    """Wrappers for git, hg, nix, nix-store and uv first on PATH: each appends its argv and
    the names (not the values) of its environment to `log`, then runs the real program."""

    TOOLS = ("git", "hg", "nix", "nix-store", "uv")

    def __init__(self, folder: Path) -> None:
        import shutil

        self.bin = folder / "spy-bin"
        self.bin.mkdir(parents=True)
        self.log = folder / "argv.log"
        self.log.touch()
        for tool in self.TOOLS:
            real = shutil.which(tool)
            if real is None:
                continue
            wrapper = self.bin / tool
            wrapper.write_text(
                WRAPPER.replace("TOOL", tool).replace("LOG", str(self.log)).replace("REAL", real)
            )
            wrapper.chmod(0o755)

    def env(self, env: dict[str, str]) -> dict[str, str]:
        """`env` with the wrappers first on PATH."""
        return dict(env, PATH=f"{self.bin}:{env.get('PATH', os.environ['PATH'])}")

    def calls(self, tool: str) -> list[tuple[str, set[str]]]:
        """(argv, env names) of every call of `tool`."""
        rows = []
        for line in self.log.read_text().splitlines():
            argv, _, names = line.partition("\t")
            if argv.split(" ", 1)[0] == tool:
                rows.append((argv, set(names.split())))
        return rows


@pytest.fixture
def spy(tmp_path) -> ArgvSpy:
    return ArgvSpy(tmp_path)


@pytest.fixture
def server(tmp_path, http_server):
    served = tmp_path / "served"
    served.mkdir()
    secret = "pw-" + secrets.token_hex(8)
    rev = private_repo(served, tmp_path / "work")
    private_hg(served)
    running = serve_private(http_server(auth=("alice", secret)), served)
    return running, secret, rev


def test_credentials_reach_git_and_nix_but_no_file_store_path_or_output(
    tmp_path, offline_pkgs, server, spy
) -> None:
    running, secret, rev = server
    url = "git+" + running.url_for("git/priv.git", "alice", secret)
    hg_url = "hg+" + running.url_for("hg", "alice", secret)
    root = tmp_path / "project"
    root.mkdir()
    config = write_project(root, offline_pkgs, ["hello"])
    config.write_text(
        config.read_text()
        + f'\n[flakes.priv]\nurl = "{url}"\n'
        + f'\n[clones.code]\npriv = "{url}"\nprivhg = "{hg_url}"\n'
    )
    # online (the clone needs the server), but no binary cache: nothing leaves the machine
    token = "ghp_" + secrets.token_hex(12)  # read from the environment, written nowhere
    env = dict(os.environ, ANYSNAKE2_OFFLINE="0", NIX_CONFIG="substituters =", GITHUB_TOKEN=token)
    env.pop("TMUX", None)
    env = spy.env(env)
    before = store_paths()
    outputs = []
    for args in (
        ("-v", "3", "lock"),
        ("-v", "3", "lock", "--upgrade"),
        ("-v", "3", "run", "--", "privtool"),
    ):
        proc = run_cli(*args, cwd=root, env=env)
        outputs.append(proc.stdout + proc.stderr)
        assert proc.returncode == 0, proc.stderr
    assert "private tool" in outputs[-1]
    # it was fetched for real: the server refused requests without the password
    assert running.served and running.refused
    assert (root / "code" / "priv" / "privtool").exists()
    assert (root / "code" / "privhg" / "hgtool.txt").read_text() == "from hg\n"
    assert rev in (root / ".anysnake2_flake" / "flake.lock").read_text()
    # no argv held it: our git and hg, nix, and the git nix started for the flake input
    assert spy.calls("hg") and spy.calls("nix")
    nix_git = [argv for argv, names in spy.calls("git") if "NIX_CONFIG" in names]
    assert any("fetch" in argv for argv in nix_git), nix_git
    log = spy.log.read_text()
    assert secret not in log and token not in log and "alice" not in log
    # ... it came through the environment
    assert any("ANYSNAKE2_GIT_PASSWORD_0" in names for _, names in spy.calls("git"))
    assert any("HGRCPATH" in names for _, names in spy.calls("hg"))
    for text in outputs:
        assert secret not in text and token not in text
    home_cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    # only the user's own config holds it
    assert files_holding(secret, root, home_cache) == [str(config)]
    new = sorted(store_paths() - before)
    assert new, "the build created store paths"
    assert files_holding(secret, *(Path("/nix/store") / p for p in new)) == []
    assert files_holding(token, root, home_cache, *(Path("/nix/store") / p for p in new)) == []
    # the rendered files carry the URL without the userinfo
    flake_nix = (root / ".anysnake2_flake" / "flake.nix").read_text()
    assert running.url_for("git/priv.git") in flake_nix and "alice" not in flake_nix


def test_the_lock_side_clone_uses_the_environment_and_redacts(tmp_path, server, capsys) -> None:
    """The clone of a git Python package made while locking (patch_before_lock) is the
    same clone as runtime/clones.py: it works, and a failure shows no secret, even at -v 3."""
    running, secret, rev = server
    good = parse_source("git+" + running.url_for("git/priv.git", "alice", secret) + f"?rev={rev}")
    bad = parse_source("git+" + running.url_for("git/priv.git", "alice", secret + "x"))
    level = _log.verbosity()
    _log.set_verbosity(3)
    try:
        prepare_local(LocalSource("priv", good, "sources/x", None), tmp_path / "ok", root=tmp_path)
        assert (tmp_path / "ok" / "privtool").exists()
        remote = git("-C", tmp_path / "ok", "remote", "get-url", "origin")
        assert remote == running.url_for("git/priv.git")
        with pytest.raises(FailureError) as caught:
            prepare_local(
                LocalSource("priv", bad, "sources/y", None), tmp_path / "no", root=tmp_path
            )
    finally:
        _log.set_verbosity(level)
    shown = capsys.readouterr().err + caught.value.render()
    assert "fetching python.packages.priv" in shown
    assert secret not in shown and running.url_for("git/priv.git") in shown
    error = caught.value  # the structured fields: what failed, masked as well
    assert error.returncode == 128 and "clone" in error.command and error.stderr
    assert secret not in " ".join([*error.command, error.stdout, error.stderr])
    assert files_holding(secret, tmp_path) == []


def test_sources_nix_cannot_fetch_without_the_secret_in_the_flake_are_refused() -> None:
    from anysnake2 import credentials

    with pytest.raises(ConfigError, match="credential helper") as caught:
        credentials.refuse("https://bob:hunter2@example.org/x.tar.gz", "flake input 'x'")
    assert "hunter2" not in caught.value.render()
    from anysnake2.render.inputs import flake_url

    with pytest.raises(ConfigError, match="credential helper"):
        flake_url("x", "hg+https://bob:hunter2@example.org/repo", root=Path("/"))
    from anysnake2.model import Project, Python, PythonPackage
    from anysnake2.resolve.python_lock import lock_input

    sdist = parse_source("https://bob:hunter2@example.org/x-1.0.tar.gz")
    project = Project(python=Python("3.11", "2024-06-01", {"x": PythonPackage("x", source=sdist)}))
    with pytest.raises(ConfigError, match="credential helper"):
        lock_input(project)
    rendered = flake_url(
        "x", "git+https://bob:hunter2@example.org/r.git", rev="a" * 40, root=Path("/")
    )
    assert rendered.url == f"git+https://example.org/r.git?rev={'a' * 40}"


def test_redaction_of_userinfo_and_long_values() -> None:
    """Userinfo is removed; long values without any pass unchanged."""
    from anysnake2 import credentials

    text = "a" * 100_000 + "://" + "b" * 100_000
    assert credentials.redact("x" + text) == "x" + text
    assert credentials.redact("git+https://u:p@h/r") == "git+https://h/r"


def test_uv_locks_a_private_git_package_with_the_secret_only_in_its_environment(
    tmp_path, monkeypatch, capsys, http_server, spy
) -> None:
    """uv (real, against PyPI for the build backend) fetches a private git package through
    the credential helper; the workspace, the lock, uv's cache and the output hold the URL
    without the secret."""
    from test_python_lock import _tiny_package

    from anysnake2.model import Project, Python, PythonPackage
    from anysnake2.resolve.python_lock import LOCK_NAME, ensure_python_lock

    served = tmp_path / "served"
    served.mkdir()
    work = tmp_path / "tinypriv"
    _tiny_package(work, "tinypriv")
    git("init", "-q", "-b", "master", work)
    git("add", ".", cwd=work)
    git("commit", "-q", "-m", "one", cwd=work)
    git("clone", "-q", "--bare", work, served / "tinypriv.git")
    rev = git("rev-parse", "HEAD", cwd=work)
    secret = "pw-" + secrets.token_hex(8)
    cache = tmp_path / "uv-cache"
    monkeypatch.setenv("UV_CACHE_DIR", str(cache))
    root = tmp_path / "project"
    root.mkdir()
    level = _log.verbosity()
    _log.set_verbosity(3)
    running = serve_private(http_server(auth=("alice", secret)), served)
    monkeypatch.setenv("PATH", spy.env(dict(os.environ))["PATH"])  # uv's git is the spy's
    try:
        url = "git+" + running.url_for("git/tinypriv.git", "alice", secret) + f"?rev={rev}"
        package = PythonPackage("tinypriv", source=parse_source(url))
        project = Project(python=Python("3.11", "2024-06-01", {"tinypriv": package}))
        ensure_python_lock(project, root, offline=False)
        assert running.served and running.refused
    finally:
        _log.set_verbosity(level)
    recorded = (root / LOCK_NAME).read_text()
    assert running.url_for("git/tinypriv.git") in recorded and rev in recorded
    assert spy.calls("git"), "uv fetched with git"
    assert secret not in spy.log.read_text()
    assert secret not in capsys.readouterr().err
    assert files_holding(secret, root, cache) == []


def test_check_and_build_flake_show_and_write_no_secret(tmp_path, offline_pkgs) -> None:
    """No server needed: `check`, `check --json` and `build flake` print and write the URL
    without its credentials; a tarball flake input with credentials is refused (65)."""
    secret = "pw-" + secrets.token_hex(8)
    root = tmp_path / "project"
    root.mkdir()
    config = write_project(root, offline_pkgs, ["hello"])
    base = config.read_text()
    url = f"git+https://alice:{secret}@example.org/priv.git"
    config.write_text(base + f'\n[flakes.priv]\nurl = "{url}"\nrev = "{"a" * 40}"\n')
    env = dict(os.environ, ANYSNAKE2_OFFLINE="1")
    for args in (("check",), ("check", "--json"), ("build", "flake", "--json")):
        proc = run_cli(*args, cwd=root, env=env)
        assert proc.returncode == 0, proc.stderr
        assert secret not in proc.stdout + proc.stderr and "alice" not in proc.stdout, args
    assert files_holding(secret, root) == [str(config)]
    assert "https://example.org/priv.git?rev=" in (root / ".anysnake2_flake/flake.nix").read_text()
    tarball = f"https://alice:{secret}@example.org/x.tar.gz"
    config.write_text(base + f'\n[flakes.priv]\nurl = "{tarball}"\n')
    proc = run_cli("build", "flake", cwd=root, env=env)
    assert proc.returncode == 65, proc.stderr
    assert "credential helper" in proc.stderr and secret not in proc.stderr


def test_nix_gets_the_token_beside_the_users_own_and_git_keeps_its_config() -> None:
    from anysnake2 import credentials

    credentials.remember("git+https://bob:tok-123456@git.example.org/r.git")
    base = {
        "PATH": os.environ["PATH"],
        "NIX_CONFIG": "access-tokens = github.com=users-own",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "user.name",
        "GIT_CONFIG_VALUE_0": "kept",
    }
    env = credentials.nix_env(base)
    shown = subprocess.run(
        ["nix", "--extra-experimental-features", "nix-command flakes", "show-config"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    tokens = next(line for line in shown.splitlines() if line.startswith("access-tokens ="))
    assert "github.com=users-own" in tokens and "git.example.org=tok-123456" in tokens
    name = subprocess.run(
        ["git", "config", "user.name"], env=env, capture_output=True, text=True, check=True
    )
    assert name.stdout.strip() == "kept"
    for path in ("r.git", "r"):  # git may ask for either
        helper = subprocess.run(
            ["git", "credential", "fill"],
            input=f"protocol=https\nhost=git.example.org\npath={path}\n\n",
            env=dict(env, GIT_TERMINAL_PROMPT="0"),
            capture_output=True,
            text=True,
            check=True,
        )
        assert "username=bob\npassword=tok-123456" in helper.stdout


def test_github_pin_lookups_send_the_token_only_in_a_header(tmp_path, http_server, spy) -> None:
    """`lock` resolving `github:` pins through the API (a local stand-in): GITHUB_TOKEN is
    sent as a bearer header on every request, and is in no request line, argv, output at
    -v 3 or file."""
    repo = "/repos/NixOS/nixpkgs"
    pages = [f"{repo}/tags?per_page=100&page={n}" for n in (1, 2)]
    gh = http_server(github_api=True)
    gh.add(pages[0], file="tags_page1.json", headers={"Link": f'<{{base}}{pages[1]}>; rel="next"'})
    gh.add(pages[1], file="tags_page2.json")
    root = tmp_path / "project"
    root.mkdir()
    (root / "anysnake2.toml").write_text('[nixpkgs]\nurl = "github:NixOS/nixpkgs"\n')
    token = "ghp_" + secrets.token_hex(12)
    env = dict(os.environ, ANYSNAKE2_GITHUB_API_URL=gh.url, GITHUB_TOKEN=token)
    for name in ("ANYSNAKE2_OFFLINE", "TMUX", "ANYSNAKE2_GITHUB_API_USERNAME"):
        env.pop(name, None)
    proc = run_cli("-v", "3", "lock", cwd=root, env=spy.env(env))
    assert proc.returncode == 0, proc.stderr
    assert f'rev = "{"2405" * 10}"' in (root / "anysnake2.toml").read_text()
    assert gh.paths()[:2] == pages  # then whether the tag's tarball is stable
    assert all(seen.headers.get("Authorization") == f"Bearer {token}" for seen in gh.requests)
    assert all(token not in seen.path for seen in gh.requests)
    assert token not in proc.stdout + proc.stderr + spy.log.read_text()
    home_cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    assert files_holding(token, root, home_cache) == []


def test_hg_revision_lookup_keeps_the_secret_out_of_argv(
    tmp_path, server, spy, monkeypatch, capsys
) -> None:
    """Pinning an hg source (`hg id` against the server) works with the URL's credentials,
    which reach hg only through its environment."""
    from anysnake2.resolve.cache import ResolveCache
    from anysnake2.resolve.remote import resolve_revision

    running, secret, _ = server
    tip = private_hg_tip(tmp_path / "served")
    monkeypatch.setenv("PATH", spy.env(dict(os.environ))["PATH"])
    cache = ResolveCache(tmp_path / "resolve_cache.json")
    level = _log.verbosity()
    _log.set_verbosity(3)
    try:
        got = resolve_revision("hg+" + running.url_for("hg", "alice", secret), None, cache=cache)
    finally:
        _log.set_verbosity(level)
    assert got.rev == tip
    assert running.refused and running.served
    assert [argv for argv, _ in spy.calls("hg")], "hg was asked"
    assert secret not in spy.log.read_text() + capsys.readouterr().err
    cache.save()
    assert files_holding(secret, tmp_path / "resolve_cache.json") == []


def private_hg_tip(served: Path) -> str:
    return subprocess.run(
        ["hg", "-R", str(served / "privhg"), "log", "-r", "tip", "-T", "{node}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_editable_sdists_from_a_private_index(tmp_path, http_server, monkeypatch, capsys) -> None:
    """An editable package's sdist from a PyPI JSON index whose URL carries credentials
    (ANYSNAKE2_PYPI_JSON_URL): the index and the download on the same server get them (as
    basic auth), and no message or log line shows them, also when the index fails."""
    import hashlib

    from test_editables import _sdist

    from anysnake2.model import Project, Python, PythonPackage
    from anysnake2.resolve.editable_sdists import fetch_editable_sdists
    from anysnake2.resolve.pypi import PYPI_JSON_ENV

    secret = "pw-" + secrets.token_hex(8)
    index = http_server(auth=("alice", secret))
    data = _sdist("tiny", "1.0")
    index.add("/files/tiny-1.0.tar.gz", raw=data)
    sdist = {
        "packagetype": "sdist",
        "url": index.url_for("files/tiny-1.0.tar.gz"),
        "upload_time_iso_8601": "2020-01-01T12:00:00.000000Z",
        "digests": {"sha256": hashlib.sha256(data).hexdigest()},
    }
    index.add("/pypi/tiny/json", {"releases": {"1.0": [sdist]}})
    monkeypatch.setenv(PYPI_JSON_ENV, index.url_for("", "alice", secret))
    package = PythonPackage("tiny", editable="code")
    project = Project(python=Python("3.11", "2021-06-01", {"tiny": package}))
    level = _log.verbosity()
    _log.set_verbosity(3)
    try:
        assert fetch_editable_sdists(project, tmp_path, offline=False) == [tmp_path / "code/tiny"]
        nope = PythonPackage("nope", editable="code")
        missing = Project(python=Python("3.11", "2021-06-01", {"nope": nope}))
        with pytest.raises(ConfigError) as caught:
            fetch_editable_sdists(missing, tmp_path, offline=False)
    finally:
        _log.set_verbosity(level)
    assert (tmp_path / "code" / "tiny" / "tiny" / "__init__.py").exists()
    assert index.refused == 0 and index.served == 3  # every request carried the credentials
    shown = capsys.readouterr().err + caught.value.render()
    assert "is not on PyPI" in shown and secret not in shown
    assert files_holding(secret, tmp_path) == []
