"""Resolution end to end: open values → exact pins, recorded, reused; --offline, --locked,
lock --upgrade. Real git repositories, the real CLI in a subprocess."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import GIT_TEST_ENV, git, run_cli

from anysnake2.resolve.lockfile import read_lockfile, render_lockfile, write_lockfile
from anysnake2.resolve.pins import Request, requests_for
from anysnake2.toml_compat.reader import detect_era, read_project_text

REPO = Path(__file__).resolve().parent.parent
HEX40 = re.compile(r"[0-9a-f]{40}")
# nixpkgs is always an input, resolved when open (GitHub API): tests that are about other
# values pin it (a revision nix never fetches: these tests do not build)
NIXPKGS = '[nixpkgs]\nrev = "' + "5" * 40 + '"\n\n'


def anysnake2(*args: str, cwd: Path, env: dict[str, str] | None = None):
    full = {**os.environ, **GIT_TEST_ENV, **(env or {})}
    for name in ("ANYSNAKE2_OFFLINE", "TMUX"):
        full.pop(name, None)
    return run_cli(*args, cwd=cwd, env=full, timeout=600, stdin=subprocess.DEVNULL)


def make_repo(path: Path) -> Path:
    """A flake repository on branch main with an annotated tag v1 on its first commit."""
    path.mkdir(parents=True)
    git("init", "-q", "-b", "main", cwd=path)
    (path / "flake.nix").write_text(f"# {path.name}\n{{ outputs = {{ self }}: {{ }}; }}\n")
    git("add", "flake.nix", cwd=path)
    git("commit", "-qm", "first", cwd=path)
    git("tag", "-a", "v1", "-m", "version 1", cwd=path)
    commit(path, "second")
    return path


def commit(repo: Path, message: str) -> str:
    log = repo / "log.txt"
    log.write_text((log.read_text() if log.exists() else "") + message + "\n")
    git("add", "log.txt", cwd=repo)
    git("commit", "-qm", message, cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo)


# -- which values are open -----------------------------------------------------------------
def test_requests_name_every_open_value_and_nothing_pinned() -> None:
    sha = "a" * 40
    project = read_project_text(
        f"""
[nixpkgs]
rev = "24.05"
[outside_nixpkgs]
url = "github:NixOS/nixpkgs"
rev = "{sha}"
[flakes.tagged]
url = "git+https://example.org/tagged"
rev = "v2"
[flakes.newest]
url = "github:owner/newest"
[flakes.pinned]
url = "github:owner/pinned"
rev = "{sha}"
[python]
version = "3.12"
[python.packages]
dppd = "pypi"
fixed = "pypi:1.2"
frombranch = "git+https://example.org/frombranch?ref=dev"
pinnedgit = "git+https://example.org/pinnedgit?rev={sha}"
""",
        "anysnake2.toml",
    )
    found = {r.target: r for r in requests_for(project)}
    assert sorted(found) == [
        "flakes.newest",
        "flakes.tagged",
        "nixpkgs",
        "python.ecosystem_date",
        "python.packages.dppd",
        "python.packages.frombranch",
    ]
    assert found["nixpkgs"] == Request("nixpkgs", "revision", "github:NixOS/nixpkgs", "24.05")
    assert found["flakes.tagged"].ref == "v2"
    assert found["flakes.newest"].ref is None
    assert found["python.packages.frombranch"].ref == "dev"
    assert found["python.packages.dppd"].kind == "pypi_version"


def test_nixpkgs_without_revision_asks_for_the_newest_release_tag() -> None:
    project = read_project_text('[nixpkgs]\nurl = "github:NixOS/nixpkgs"\n', "a.toml")
    (request,) = requests_for(project)
    assert request.ref is None
    assert request.newest_tag_pattern is not None
    assert re.match(request.newest_tag_pattern, "25.11")
    assert not re.match(request.newest_tag_pattern, "25.11-beta")


# -- the lock file of anysnake2.py projects --------------------------------------------------
def test_lockfile_is_deterministic_keeps_what_is_not_given_and_drops(tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.lock.toml"
    pin_b = {"kind": "revision", "url": "github:o/b", "ref": None, "value": "b" * 40}
    pin_a = {"kind": "date", "value": "2026-01-02"}
    assert write_lockfile(path, version="0.1.0", pins={"b": pin_b, "a": pin_a})
    first = path.read_bytes()
    assert not write_lockfile(path, pins={"a": pin_a, "b": pin_b})  # same content: no write
    assert path.read_bytes() == first
    assert first.decode() == render_lockfile("0.1.0", {"a": pin_a, "b": pin_b})
    assert first.index(b"[pins.a]") < first.index(b"[pins.b]")
    write_lockfile(path, drop=["b"])
    data = read_lockfile(path)
    assert data["anysnake2"]["version"] == "0.1.0"
    assert list(data["pins"]) == ["a"]


def test_lockfile_round_trips_any_string(tmp_path: Path) -> None:
    """Values and names with characters TOML forbids raw (DEL, controls, quotes, a line
    separator) are escaped, so the file always reads back as it was written."""
    path = tmp_path / "anysnake2.lock.toml"
    odd = 'a\x7fb"c\\d\n\u2028e\x01'
    pins = {f"flakes.{odd}": {"kind": "revision", "url": f"git+file:///{odd}", "value": odd}}
    assert write_lockfile(path, version=odd, pins=pins)
    data = read_lockfile(path)
    assert data["anysnake2"]["version"] == odd
    assert data["pins"] == pins


# -- end to end ------------------------------------------------------------------------------
@pytest.fixture
def repos(tmp_path: Path) -> tuple[Path, Path]:
    return make_repo(tmp_path / "repo-a"), make_repo(tmp_path / "repo-b")


def _project(tmp_path: Path, text: str, name: str = "anysnake2.toml") -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / name).write_text(text)
    return root


def test_lock_records_tag_and_default_branch_in_a_1x_file_keeping_comments(
    tmp_path: Path, repos: tuple[Path, Path]
) -> None:
    a, b = repos
    text = f"""# my project
[flakes.a]
url = "git+file://{a}"
rev = "v1" # the first release
packages = []

[flakes.b] # newest, please
url = "git+file://{b}"
packages = []
"""
    root = _project(tmp_path, NIXPKGS + text)
    proc = anysnake2("lock", cwd=root)
    assert proc.returncode == 0, proc.stderr
    written = (root / "anysnake2.toml").read_text()
    tag_commit = git("rev-list", "-n1", "v1", cwd=a)
    head_b = git("rev-parse", "HEAD", cwd=b)
    assert f'rev = "{tag_commit}"' in written
    assert f'rev = "{head_b}"' in written
    for comment in ("# my project", "# the first release", "# newest, please"):
        assert comment in written
    assert "v1" in written.split(tag_commit, 1)[1].splitlines()[0]  # the tag, on its line
    assert detect_era(__import__("tomllib").loads(written)) == "1.x"
    # recorded: a second run asks nobody and writes nothing, even after upstream moved
    commit(b, "third")
    again = anysnake2("lock", cwd=root)
    assert again.returncode == 0, again.stderr
    assert (root / "anysnake2.toml").read_text() == written


def test_a_2x_file_stays_2x_with_the_pin_in_its_url(
    tmp_path: Path, repos: tuple[Path, Path]
) -> None:
    a, _ = repos
    text = f"""[anysnake2]
url2 = "dev"

[nixpkgs]
url = "github:NixOS/nixpkgs//{"5" * 40}"

[flakes.a]
url = "git+file://{a}?ref=main" # follow main
packages = []
"""
    root = _project(tmp_path, text)
    proc = anysnake2("lock", cwd=root)
    assert proc.returncode == 0, proc.stderr
    written = (root / "anysnake2.toml").read_text()
    head = git("rev-parse", "HEAD", cwd=a)
    assert f"?ref=main&rev={head}" in written
    assert "# follow main" in written
    assert "\nrev =" not in written
    assert detect_era(__import__("tomllib").loads(written)) == "2.x"


def test_locked_refuses_an_unrecorded_value_naming_it(
    tmp_path: Path, repos: tuple[Path, Path]
) -> None:
    a, b = repos
    head = git("rev-parse", "HEAD", cwd=a)
    text = f"""[flakes.a]
url = "git+file://{a}"
rev = "{head}"
packages = []

[flakes.b]
url = "git+file://{b}"
packages = []
"""
    root = _project(tmp_path, NIXPKGS + text)
    proc = anysnake2("--locked", "build", "flake", cwd=root)
    assert proc.returncode == 65, proc.stderr
    assert "flakes.b" in proc.stderr
    assert "flakes.a" not in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (root / "anysnake2.toml").read_text() == NIXPKGS + text


def test_upgrade_moves_only_the_named_pin(tmp_path: Path, repos: tuple[Path, Path]) -> None:
    a, b = repos
    text = f"""[flakes.a]
url = "git+file://{a}"
ref = "main"
packages = []

[flakes.b]
url = "git+file://{b}"
packages = []
"""
    root = _project(tmp_path, NIXPKGS + text)
    assert anysnake2("lock", cwd=root).returncode == 0
    old_a, old_b = git("rev-parse", "HEAD", cwd=a), git("rev-parse", "HEAD", cwd=b)
    new_a, new_b = commit(a, "a moves"), commit(b, "b moves")
    proc = anysnake2("lock", "--upgrade", "a", cwd=root)
    assert proc.returncode == 0, proc.stderr
    written = (root / "anysnake2.toml").read_text()
    assert new_a in written and old_a not in written
    assert old_b in written and new_b not in written
    unknown = anysnake2("lock", "--upgrade", "nosuch", cwd=root)
    assert unknown.returncode == 64
    assert "flakes.a" in unknown.stderr


def test_python_config_records_into_the_lock_file_never_into_the_script(
    tmp_path: Path, repos: tuple[Path, Path]
) -> None:
    a, _ = repos
    script = f"""from anysnake2 import Project

project = (
    Project()
    .nixpkgs("{"5" * 40}")
    .flake("a", "git+file://{a}", packages=[])
)
"""
    root = _project(tmp_path, script, "anysnake2.py")
    proc = anysnake2("lock", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert (root / "anysnake2.py").read_text() == script
    pins = read_lockfile(root / "anysnake2.lock.toml")["pins"]
    head = git("rev-parse", "HEAD", cwd=a)
    assert pins["flakes.a"]["value"] == head
    commit(a, "moved on")
    assert anysnake2("lock", cwd=root).returncode == 0
    assert read_lockfile(root / "anysnake2.lock.toml")["pins"]["flakes.a"]["value"] == head
    flake = anysnake2("build", "flake", cwd=root)
    assert flake.returncode == 0, flake.stderr
    assert f"rev={head}" in (root / ".anysnake2_flake" / "flake.nix").read_text()


def test_offline_refuses_what_would_need_the_network_and_changes_nothing(
    tmp_path: Path, repos: tuple[Path, Path]
) -> None:
    """Issue 18: --offline means no network; an open value is refused (75), named."""
    from anysnake2 import __version__

    a, _ = repos
    text = f'[flakes.a]\nurl = "git+file://{a}"\npackages = []\n'
    root = _project(tmp_path, f'[anysnake2]\nversion = "{__version__}"\n' + NIXPKGS + text)
    before = (root / "anysnake2.toml").read_text()
    proc = anysnake2("--offline", "build", "flake", cwd=root)
    assert proc.returncode == 75, proc.stderr
    assert "--offline: 1 value(s)" in proc.stderr
    assert f"flakes.a (git+file://{a}, newest)" in proc.stderr
    assert (root / "anysnake2.toml").read_text() == before
    assert sorted(p.name for p in root.iterdir()) == ["anysnake2.toml"]  # nothing left behind
    # Online it resolves and records; offline afterwards the recorded pin is enough.
    assert anysnake2("lock", cwd=root).returncode == 0
    proc = anysnake2("--offline", "build", "flake", cwd=root)
    assert proc.returncode == 0, proc.stderr


def test_missing_ecosystem_date_becomes_today_and_is_recorded(tmp_path: Path) -> None:
    text = '[python]\nversion = "3.11" # the interpreter\n\n[python.packages]\n'
    root = _project(tmp_path, NIXPKGS + text)
    proc = anysnake2("lock", cwd=root)
    assert proc.returncode == 0, proc.stderr
    written = (root / "anysnake2.toml").read_text()
    assert f'ecosystem_date = "{dt.date.today().isoformat()}"' in written
    assert "# the interpreter" in written


def test_github_sources_resolve_through_the_api_once_and_unstable_tarballs_use_git(
    tmp_path: Path, http_server
) -> None:
    repo = "/repos/NixOS/nixpkgs"
    pages = [f"{repo}/tags?per_page=100&page={n}" for n in (1, 2)]
    sha_2405 = "2405" * 10
    sha_2311 = "2311231123112311231123112311231123112311"
    text = """# a 1.x file
[nixpkgs]
url = "github:NixOS/nixpkgs" # the newest release, please

[flakes.tool]
url = "github:NixOS/nixpkgs"
rev = "23.11"
packages = []
"""
    root = _project(tmp_path, text)
    gh = http_server(github_api=True)
    gh.add(pages[0], file="tags_page1.json", headers={"Link": f'<{{base}}{pages[1]}>; rel="next"'})
    gh.add(pages[1], file="tags_page2.json")
    gh.add(f"{repo}/contents/.gitattributes?ref={sha_2311}", file="contents_gitattributes.json")
    env = {
        "ANYSNAKE2_GITHUB_API_URL": gh.url,
        "ANYSNAKE2_GITHUB_API_USERNAME": "me",
        "ANYSNAKE2_GITHUB_API_PASSWORD": "secret-token",
    }
    proc = anysnake2("lock", cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    seen = list(gh.requests)
    assert seen and all(r.headers.get("Authorization", "").startswith("Basic ") for r in seen)
    written = (root / "anysnake2.toml").read_text()
    assert 'url = "github:NixOS/nixpkgs" # the newest release, please\n' in written
    assert f'rev = "{sha_2405}" # anysnake2: newest tag 24.05\n' in written
    # .gitattributes with export-subst: fetched with git from now on
    assert 'url = "git+https://github.com/NixOS/nixpkgs.git"\nrev = "' + sha_2311 in written
    assert "export-subst" in proc.stderr
    assert "secret-token" not in written + proc.stderr
    assert "secret-token" not in (root / ".anysnake2_flake" / "resolve_cache.json").read_text()
    # recorded: the next build asks nothing
    flake = anysnake2("build", "flake", cwd=root, env=env)
    assert flake.returncode == 0, flake.stderr
    assert gh.requests == seen
    # an empty config: nixpkgs is still an input, pinned to the newest release tag
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "anysnake2.toml").write_text("")
    assert anysnake2("lock", cwd=empty, env=env).returncode == 0
    assert (
        f'[nixpkgs]\nrev = "{sha_2405}" # anysnake2: newest tag 24.05\n'
        in (empty / "anysnake2.toml").read_text()
    )
    nix = (root / ".anysnake2_flake" / "flake.nix").read_text()
    assert f"github:NixOS/nixpkgs/{sha_2405}" in nix
    assert f"git+https://github.com/NixOS/nixpkgs.git?rev={sha_2311}" in nix


def test_offline_example_pinned_from_a_branch_builds_and_runs_offline(
    tmp_path: Path, nixpkgs: dict[str, str]
) -> None:
    example = (REPO / "examples" / "offline" / "anysnake2.toml").read_text()
    text = example.replace(
        'url = "git+file://$ANYSNAKE_ROOT/offline-pkgs/nixpkgs"', f'url = "{nixpkgs["url"]}"'
    ).replace('rev = "cd90b9165a827c576b2c19cbd60920faf45402b7"', 'ref = "main" # follow main')
    assert text != example
    root = _project(tmp_path, text)
    locked_out = anysnake2("--locked", "run", "--", "hello", cwd=root)
    assert locked_out.returncode == 65
    assert "nixpkgs" in locked_out.stderr
    assert anysnake2("lock", cwd=root).returncode == 0
    assert f'rev = "{nixpkgs["rev"]}"' in (root / "anysnake2.toml").read_text()
    proc = anysnake2("--offline", "--locked", "run", "--", "hello", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "Hello, world!" in proc.stdout


def test_r_without_date_gets_the_newest_nixr_date_of_its_revision(tmp_path: Path) -> None:
    nixr = make_repo(tmp_path / "nixR")
    (nixr / "generated").mkdir()
    (nixr / "generated" / "readme.md").write_text(
        "# snapshots\n- 2023-01-05: R 4.2.2\n- 2024-06-30: R 4.4.1\n- 2021-02-01\n"
    )
    git("add", "generated", cwd=nixr)
    head = commit(nixr, "dates")
    text = f'[R]\nurl = "git+file://{nixr}"\npackages = ["ggplot2"] # plots\n'
    root = _project(tmp_path, NIXPKGS + text)
    proc = anysnake2("lock", cwd=root)
    assert proc.returncode == 0, proc.stderr
    written = (root / "anysnake2.toml").read_text()
    assert f'rev = "{head}"' in written
    assert 'date = "2024-06-30" # anysnake2: newest nixR date' in written
    assert "# plots" in written


def test_upgrade_without_names_moves_recorded_pins_never_hand_written_ones(
    tmp_path: Path, repos: tuple[Path, Path]
) -> None:
    a, b = repos
    by_hand = git("rev-parse", "HEAD~1", cwd=b)
    text = f"""[flakes.a]
url = "git+file://{a}"
packages = []

[flakes.b]
url = "git+file://{b}"
rev = "{by_hand}"
packages = []
"""
    root = _project(tmp_path, NIXPKGS + text)
    assert anysnake2("lock", cwd=root).returncode == 0
    new_a = commit(a, "a moves")
    commit(b, "b moves")
    proc = anysnake2("lock", "--upgrade", cwd=root)
    assert proc.returncode == 0, proc.stderr
    written = (root / "anysnake2.toml").read_text()
    assert new_a in written
    assert f'rev = "{by_hand}"\n' in written


def test_upgrading_a_value_written_by_hand_says_so_and_needs_force(
    tmp_path: Path, repos: tuple[Path, Path]
) -> None:
    _, b = repos
    by_hand = git("rev-parse", "HEAD~1", cwd=b)
    text = f"""[python]
version = "3.11"
ecosystem_date = "2024-01-02" # the day of the paper

[flakes.b]
url = "git+file://{b}"
rev = "{by_hand}" # tested with this one
packages = []
"""
    root = _project(tmp_path, NIXPKGS + text)
    for name in ("python.ecosystem_date", "b"):
        proc = anysnake2("lock", "--upgrade", name, cwd=root)
        assert proc.returncode == 64, proc.stderr
        assert "written by hand" in proc.stderr and "--force" in proc.stderr
        assert "Traceback" not in proc.stderr
        # unchanged (the running version is recorded above it)
        assert (root / "anysnake2.toml").read_text().endswith(NIXPKGS + text)
    new_b = commit(b, "b moves")
    proc = anysnake2("lock", "--upgrade", "b", "--force", cwd=root)
    written = (root / "anysnake2.toml").read_text()
    assert new_b in written and by_hand not in written, proc.stderr
    assert "# tested with this one" in written  # the user's words stay
    assert 'ecosystem_date = "2024-01-02" # the day of the paper' in written


def test_upgrading_a_value_written_in_anysnake2_py_is_refused_even_with_force(
    tmp_path: Path, repos: tuple[Path, Path]
) -> None:
    _, b = repos
    by_hand = git("rev-parse", "HEAD~1", cwd=b)
    script = f"""from anysnake2 import Project

project = (
    Project()
    .nixpkgs("{"5" * 40}")
    .python("3.11", ecosystem_date="2024-01-02")
    .flake("b", "git+file://{b}", rev="{by_hand}", packages=[])
)
"""
    root = _project(tmp_path, script, "anysnake2.py")
    for args in (["python.ecosystem_date"], ["b", "--force"]):
        proc = anysnake2("lock", "--upgrade", *args, cwd=root)
        assert proc.returncode == 64, proc.stderr
        assert "written by hand" in proc.stderr and "in anysnake2.py itself" in proc.stderr
        lock = root / "anysnake2.lock.toml"
        assert not lock.exists() or read_lockfile(lock).get("pins", {}) == {}
        assert (root / "anysnake2.py").read_text() == script


def test_a_config_that_cannot_be_written_still_builds_with_a_warning(
    tmp_path: Path, repos: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # (the tests run as root, whom file modes do not stop: the refusal is simulated)
    from anysnake2.resolve.pins import pin_project
    from anysnake2.toml_compat import record
    from anysnake2.toml_compat.reader import read_project

    def refuse(path: Path, text: str, **_options: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(record, "write_atomic", refuse)
    a, _ = repos
    text = f'[flakes.a]\nurl = "git+file://{a}"\npackages = []\n'
    root = _project(tmp_path, NIXPKGS + text)
    config = root / "anysnake2.toml"
    pinned = pin_project(read_project(config), root, config)
    assert pinned.flakes["a"].rev == git("rev-parse", "HEAD", cwd=a)
    assert config.read_text() == NIXPKGS + text
    assert "could not record flakes.a" in capsys.readouterr().err


def test_an_unknown_tag_is_a_config_error_at_its_line(
    tmp_path: Path, repos: tuple[Path, Path]
) -> None:
    a, _ = repos
    text = f'[flakes.a]\nurl = "git+file://{a}"\nrev = "v9"\npackages = []\n'
    root = _project(tmp_path, NIXPKGS + text)
    proc = anysnake2("lock", cwd=root)
    assert proc.returncode == 65, proc.stderr
    lines = (root / "anysnake2.toml").read_text().splitlines()
    line = lines.index('rev = "v9"') + 1
    assert f"{root / 'anysnake2.toml'}:{line}: resolving flakes.a" in proc.stderr
    assert "v9" in proc.stderr and "v1" in proc.stderr  # what there is instead
    assert "Traceback" not in proc.stderr


def test_check_locked_says_whether_everything_is_recorded_without_resolving(
    tmp_path: Path, repos: tuple[Path, Path]
) -> None:
    a, _ = repos
    text = NIXPKGS + f'[flakes.a]\nurl = "git+file://{a}"\npackages = []\n'
    root = _project(tmp_path, text)
    refused = anysnake2("--locked", "check", cwd=root)
    assert refused.returncode == 65
    assert "flakes.a" in refused.stderr
    assert (root / "anysnake2.toml").read_text() == text  # nothing resolved or written
    assert anysnake2("lock", cwd=root).returncode == 0
    accepted = anysnake2("--locked", "check", cwd=root)
    assert accepted.returncode == 0, accepted.stderr


def test_check_locked_refuses_a_missing_python_lock(tmp_path: Path) -> None:
    text = NIXPKGS + '[python]\nversion = "3.11"\necosystem_date = "2024-01-02"\n'
    root = _project(tmp_path, text + '\n[python.packages]\nsix = ""\n')
    proc = anysnake2("--locked", "check", cwd=root)
    assert proc.returncode == 65
    assert "anysnake2.uv.lock" in proc.stderr and "anysnake2 lock" in proc.stderr
