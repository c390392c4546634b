"""Pinning anysnake2 itself (issue #12): restart into the pinned version, safely.

Real uv and a real wheel of this project built with version 0.0.99, next to its
dependencies' wheels (downloaded once per session), in a local find-links folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from anysnake2 import version_switch as vs
from anysnake2._version import __version__

REPO = Path(__file__).resolve().parent.parent
PINNED = "0.0.99"
DEPS = [
    "tomlkit>=0.12",
    "requests>=2.31",
    "jinja2>=3.1",
    "typeguard>=4.2",
    "packaging>=23",
    "uv==0.13.9",
]


@pytest.fixture(scope="session")
def uv_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """uv's cache and tool folders in tmp, the test interpreter, no Python downloads."""
    base = tmp_path_factory.mktemp("uv")
    return {
        "UV_CACHE_DIR": str(base / "cache"),
        "UV_TOOL_DIR": str(base / "tools"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_PYTHON": sys.executable,
    }


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory, uv_env: dict[str, str]) -> Path:
    """A folder with anysnake2 0.0.99 and the wheels of its dependencies."""
    house = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "-d", str(house), *DEPS],
        check=True,
        capture_output=True,
        timeout=300,
    )
    source = tmp_path_factory.mktemp("src")
    shutil.copytree(
        REPO / "anysnake2", source / "anysnake2", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "README.md", source / "README.md")
    pyproject = (REPO / "pyproject.toml").read_text()
    (source / "pyproject.toml").write_text(
        pyproject.replace(f'version = "{__version__}"', f'version = "{PINNED}"', 1)
    )
    (source / "anysnake2" / "_version.py").write_text(f'__version__ = "{PINNED}"\n')
    from uv import find_uv_bin

    subprocess.run(
        [find_uv_bin(), "build", "--wheel", "-o", str(house), str(source)],
        check=True,
        capture_output=True,
        env=dict(os.environ, **uv_env),
        timeout=300,
    )
    assert list(house.glob(f"anysnake2-{PINNED}-*.whl"))
    return house


def anysnake2(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ANYSNAKE2_")}
    return run_cli(*args, cwd=cwd, env={**full_env, **(env or {})}, timeout=180)


def probe(
    cwd: Path, env: dict[str, str] | None = None, pre: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """`attach` (1: no session) goes through the version switch; `version` never restarts."""
    return anysnake2(*pre, "-v", "3", "attach", cwd=cwd, env=env)


def ran_as(proc: subprocess.CompletedProcess[str], version: str) -> bool:
    """The anysnake2 that ran `attach` was `version` (its debug line says so)."""
    assert "no session to attach to" in proc.stderr, proc.stderr
    return f"this is anysnake2 {version}\n" in proc.stderr


def pinned_project(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "anysnake2.toml").write_text(f'[anysnake2]\nversion = "{PINNED}"\n{extra}')
    return tmp_path


def test_restarts_into_the_pinned_wheel(
    tmp_path: Path, wheelhouse: Path, uv_env: dict[str, str]
) -> None:
    project = pinned_project(tmp_path, f'find_links = "{wheelhouse}"\n')
    proc = probe(project, env=uv_env)
    assert proc.returncode == 1, proc.stderr
    assert ran_as(proc, PINNED)
    assert f"restarting with anysnake2 {PINNED} (this is {__version__})" in proc.stderr
    assert not (project / vs.NOT_HONOURED_MARKER).exists()


def test_the_childs_exit_status_comes_back(
    tmp_path: Path, wheelhouse: Path, uv_env: dict[str, str]
) -> None:
    project = pinned_project(tmp_path)
    proc = anysnake2(
        "nonexistent-cmd", cwd=project, env={**uv_env, "ANYSNAKE2_FIND_LINKS": str(wheelhouse)}
    )
    assert proc.returncode == 64, proc.stderr
    assert "restarting with anysnake2" in proc.stderr
    assert "nonexistent-cmd" in proc.stderr


def test_a_script_header_pin_restarts(
    tmp_path: Path, wheelhouse: Path, uv_env: dict[str, str]
) -> None:
    (tmp_path / "anysnake2.py").write_text(
        "# /// script\n"
        f'# dependencies = ["anysnake2=={PINNED}"]\n'
        "# [tool.uv]\n"
        f'# find-links = ["{wheelhouse}"]\n'
        "# ///\n"
        "raise SystemExit('a wrong version must not import this file')\n"
    )
    proc = probe(tmp_path, env=uv_env)
    assert proc.returncode == 1, proc.stderr
    assert ran_as(proc, PINNED)


def test_dev_never_switches(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.toml").write_text('[anysnake2]\nversion = "dev"\nfind_links = "x"\n')
    proc = probe(tmp_path)
    assert proc.returncode == 1
    assert ran_as(proc, __version__)
    assert "'dev': no version switch" in proc.stderr
    assert "restarting" not in proc.stderr


def test_no_version_switch_says_why_and_marks_the_warm_path(
    tmp_path: Path, wheelhouse: Path
) -> None:
    project = pinned_project(tmp_path, f'find_links = "{wheelhouse}"\n')
    proc = probe(project, pre=("--no-version-switch",))
    assert proc.returncode == 1
    assert ran_as(proc, __version__)
    assert f"not switching to anysnake2 {PINNED}: --no-version-switch" in proc.stderr
    # the warm path must not start what this version builds without asking again
    assert (project / vs.NOT_HONOURED_MARKER).exists()
    (project / "anysnake2.toml").write_text('[anysnake2]\nversion = "dev"\n')
    probe(project)
    assert not (project / vs.NOT_HONOURED_MARKER).exists()


def test_missing_source_warns_how_to_configure_one(tmp_path: Path) -> None:
    project = pinned_project(tmp_path)
    proc = probe(project)
    assert proc.returncode == 1
    assert ran_as(proc, __version__)
    assert f"pins anysnake2 {PINNED}" in proc.stderr
    assert "find_links" in proc.stderr and "ANYSNAKE2_FIND_LINKS" in proc.stderr
    assert "restarting" not in proc.stderr


def test_the_loop_guard_stops_a_second_restart(tmp_path: Path, wheelhouse: Path) -> None:
    project = pinned_project(tmp_path, f'find_links = "{wheelhouse}"\n')
    proc = probe(project, env={vs.SWITCHED_ENV: PINNED})
    assert proc.returncode == 1
    assert ran_as(proc, __version__)
    assert "not switching again" in proc.stderr
    assert "restarting" not in proc.stderr


def test_a_non_exact_script_pin_warns_and_does_not_switch(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.py").write_text(
        '# /// script\n# dependencies = ["anysnake2>=0.0.1"]\n# ///\n'
    )
    proc = probe(tmp_path, env={"ANYSNAKE2_FIND_LINKS": str(tmp_path)})
    assert proc.returncode == 1
    assert "only an exact 'anysnake2==X'" in proc.stderr
    assert "restarting" not in proc.stderr


def test_uv_argv_with_find_links_only_has_no_index(tmp_path: Path) -> None:
    pin = vs.Pin(version="1.2.3", find_links=("/w",))
    assert vs.uv_argv(pin, ["run", "--", "x"], uv="uv") == [
        "uv", "tool", "run", "--from", "anysnake2==1.2.3", "--find-links", "/w", "--no-index",
        "anysnake2", "run", "--", "x",
    ]  # fmt: skip
    pin = vs.Pin(version="1.2.3", index_url="https://i/simple", find_links=("/w",))
    assert vs.uv_argv(pin, ["version"], uv="uv") == [
        "uv", "tool", "run", "--from", "anysnake2==1.2.3", "--index-url", "https://i/simple",
        "--find-links", "/w", "anysnake2", "version",
    ]  # fmt: skip


def test_nix_shell_form_argv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    (tmp_path / "anysnake2.toml").write_text(
        f'[anysnake2]\nversion = "1.2.3"\nurl = "github:me/anysnake2py"\nrev = "{sha}"\n'
    )
    pin = vs.read_pin(tmp_path / "anysnake2.toml", environ={})
    assert pin.flake == f"github:me/anysnake2py?rev={sha}"
    monkeypatch.delenv("ANYSNAKE2_OFFLINE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    registry = tmp_path / "cache" / "anysnake2" / ".empty-registry.json"
    assert vs.nix_shell_argv(pin.flake, ["-v", "3", "run", "--", "ls"], nix="/bin/nix") == [
        "/bin/nix", "--extra-experimental-features", "nix-command flakes",
        "--option", "flake-registry", str(registry), "--option", "warn-dirty", "false",
        "shell", f"github:me/anysnake2py?rev={sha}", "-c", "anysnake2", "-v", "3", "run", "--", "ls",
    ]  # fmt: skip
    assert registry.read_text() == '{"flakes": [], "version": 2}\n'
    argv = vs.restart_argv(pin, ["version"])
    assert argv[0] == shutil.which("nix")
    assert argv[-5:] == ["shell", pin.flake, "-c", "anysnake2", "version"]


def test_a_url_without_full_rev_is_not_a_flake_source(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.toml").write_text(
        '[anysnake2]\nversion = "1.2.3"\nurl = "github:me/x"\nrev = "v1.2.3"\n'
    )
    pin = vs.read_pin(tmp_path / "anysnake2.toml", environ={})
    assert pin.flake is None and not pin.has_source()
    assert "40-character" in (pin.problem or "")


def test_env_sources_override_and_relative_find_links(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.toml").write_text(
        '[anysnake2]\nversion = "1.2.3"\nfind_links = "wheels"\n'
    )
    pin = vs.read_pin(tmp_path / "anysnake2.toml", environ={})
    assert pin.find_links == (str(tmp_path / "wheels"),)
    pin = vs.read_pin(
        tmp_path / "anysnake2.toml",
        environ={"ANYSNAKE2_FIND_LINKS": "/a,/b", "ANYSNAKE2_INDEX_URL": "https://i"},
    )
    assert pin.find_links == ("/a", "/b") and pin.index_url == "https://i"


def test_a_non_string_version_is_a_config_error_with_line(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.toml").write_text("# c\n[anysnake2]\nversion = 1.2\n")
    for command in ("check", "build", "attach"):  # the loader, and the pin before a restart
        proc = anysnake2(command, cwd=tmp_path)
        assert proc.returncode == 65
        assert "anysnake2.toml:3" in proc.stderr and "Traceback" not in proc.stderr


def test_recording_keeps_comments(tmp_path: Path) -> None:
    config = tmp_path / "anysnake2.toml"
    config.write_text(
        "# my project\n\n[anysnake2] # tool\ndtach = false # no sessions\n\n"
        '[nixpkgs]\nurl = "github:NixOS/nixpkgs/master/24.05" # pinned\n'
    )
    assert vs.record_running_version(config, locked=False)
    assert config.read_text() == (
        "# my project\n\n[anysnake2] # tool\ndtach = false # no sessions\n"
        f'version = "{__version__}"\n\n'
        '[nixpkgs]\nurl = "github:NixOS/nixpkgs/master/24.05" # pinned\n'
    )
    config.write_text('# top\n\n[nixpkgs] # c\nurl = "x"\n')
    assert vs.record_running_version(config, locked=False)
    assert config.read_text() == (
        f'# top\n\n[anysnake2]\nversion = "{__version__}"\n\n[nixpkgs] # c\nurl = "x"\n'
    )


def test_recording_is_refused_when_locked_and_goes_beside_scripts(tmp_path: Path) -> None:
    config = tmp_path / "anysnake2.toml"
    text = '# keep me\n[nixpkgs]\nurl = "x"\n'
    config.write_text(text)
    assert not vs.record_running_version(config, locked=True)
    assert config.read_text() == text
    assert anysnake2("version", cwd=tmp_path).returncode == 0
    assert config.read_text() == text  # `version` never records
    script = tmp_path / "py" / "anysnake2.py"
    script.parent.mkdir()
    script.write_text("x = 1\n")
    assert vs.record_running_version(script, locked=False)  # into the lock file beside it
    assert script.read_text() == "x = 1\n"
    lock = script.parent / "anysnake2.lock.toml"
    assert f'[anysnake2]\nversion = "{__version__}"\n' in lock.read_text()
    assert vs.read_pin(script).version == __version__
    config.write_text('[anysnake2]\nversion = "9"\n')
    assert not vs.record_running_version(config, locked=False)  # recorded meanwhile


def test_an_unpinned_project_gets_the_running_version_recorded_by_lock_not_by_check(
    tmp_path: Path,
) -> None:
    config = tmp_path / "anysnake2.toml"
    nixpkgs = '[nixpkgs]\nrev = "' + "5" * 40 + '"\n'  # pinned: no GitHub lookup
    text = '# mine\n[container]\nhome = "./home" # here\n\n' + nixpkgs
    config.write_text(text)
    assert anysnake2("check", cwd=tmp_path).returncode == 0
    assert config.read_text() == text
    proc = anysnake2("lock", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    written = config.read_text()
    assert f'[anysnake2]\nversion = "{__version__}"\n' in written
    assert "# mine" in written and 'home = "./home" # here' in written
    assert anysnake2("--locked", "lock", cwd=tmp_path).returncode == 0  # now recorded


_CHILD = """
import signal, sys, time
from pathlib import Path
out = Path(sys.argv[1])
def caught(signum, frame):
    out.write_text(signal.Signals(signum).name)
    sys.exit(5 if signum == signal.SIGINT else 7)
signal.signal(signal.SIGINT, caught)
signal.signal(signal.SIGTERM, caught)
out.write_text("ready")
time.sleep(60)
"""
_PARENT = """
import os, sys
from anysnake2.version_restart import _run_child
sys.exit(_run_child([sys.executable, "-c", sys.argv[1], sys.argv[2]], dict(os.environ)))
"""


@pytest.mark.parametrize(("signum", "status"), [("SIGTERM", 7), ("SIGINT", 5)])
def test_signals_reach_the_restarted_child_and_its_status_comes_back(
    tmp_path: Path, signum: str, status: int
) -> None:
    import signal
    import time

    out = tmp_path / "child.txt"
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, _CHILD, str(out)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    deadline = time.monotonic() + 30
    while not (out.exists() and out.read_text() == "ready"):
        assert time.monotonic() < deadline and parent.poll() is None
        time.sleep(0.05)
    if signum == "SIGTERM":  # sent to anysnake2 alone: it passes it on
        parent.send_signal(signal.SIGTERM)
    else:  # Ctrl-C reaches the whole foreground group: anysnake2 waits for the child
        os.killpg(parent.pid, signal.SIGINT)
    assert parent.wait(timeout=30) == status
    assert out.read_text() == signum


# --- issue 18: offline, and a failed switch in our exit codes ------------------------------


def test_a_switch_that_cannot_start_the_pin_is_70_not_uvs_status(
    tmp_path: Path, wheelhouse: Path, uv_env: dict[str, str]
) -> None:
    (tmp_path / "anysnake2.toml").write_text(
        f'[anysnake2]\nversion = "9.9.9"\nfind_links = "{wheelhouse}"\n'
    )
    proc = anysnake2("attach", cwd=tmp_path, env=uv_env)
    assert proc.returncode == 70, proc.stderr
    assert "anysnake2 9.9.9 could not be started (uv exit " in proc.stderr
    assert f"from uv from {wheelhouse}" in proc.stderr
    # uv's own words are quoted in our message (the last lines of what it printed)
    quoted = [line for line in proc.stderr.splitlines() if line.startswith("  | ")]
    assert any("anysnake2==9.9.9" in line for line in quoted), proc.stderr
    assert "Traceback" not in proc.stderr


def test_offline_a_remote_flake_pin_is_refused_naming_it(tmp_path: Path) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    (tmp_path / "anysnake2.toml").write_text(
        f'[anysnake2]\nversion = "1.2.3"\nurl = "github:me/anysnake2py"\nrev = "{sha}"\n'
    )
    for args in (["--offline", "attach"], ["attach", "--offline"]):
        proc = anysnake2(*args, cwd=tmp_path)
        assert proc.returncode == 75, proc.stderr
        assert "--offline: not switching to anysnake2 1.2.3" in proc.stderr
        assert f"the flake github:me/anysnake2py?rev={sha}" in proc.stderr


def test_offline_uv_switch_uses_local_find_links_only(
    tmp_path: Path, wheelhouse: Path, uv_env: dict[str, str]
) -> None:
    project = pinned_project(tmp_path, f'find_links = "{wheelhouse}"\n')
    proc = probe(project, env=uv_env, pre=("--offline",))
    assert proc.returncode == 1, proc.stderr
    assert ran_as(proc, PINNED)
    (tmp_path / "anysnake2.toml").write_text(
        '[anysnake2]\nversion = "9.9.9"\nindex_url = "https://pypi.org/simple"\n'
    )
    proc = probe(project, env=uv_env, pre=("--offline",))
    assert proc.returncode == 75, proc.stderr
    assert "it is not in the local cache, and would be fetched from uv from " in proc.stderr
    assert "https://pypi.org/simple" in proc.stderr
