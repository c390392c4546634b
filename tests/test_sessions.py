"""Sessions that survive: real dtach under a real tmux, Ctrl-C, nesting, develop.

Each test gets a project built with real nix against the offline package set
(tools/offline_pkgs) and run under bwrap, and a tmux server of its own (`tmux -L`,
killed at the end). In the pane the tool is started with `env -u TMUX` (tmux sets $TMUX,
which turns dtach off) and followed by `echo "rc=$?"`, so the pane shows its exit status.
The screen is read with `capture-pane` including the scrollback (dtach clears the screen
and moves the cursor to the bottom), polled with a timeout.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import cli_argv, run_cli, start_cli

from anysnake2.model import AnysnakeSettings, Container, Project
from anysnake2.runtime import dtach, start
from anysnake2.runtime.run import session_allowed

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """\
[nixpkgs]
url = "@URL@"
rev = "@REV@"
packages = ["hello"]

[container]
runtime = "bwrap"
@CONTAINER@
[container.volumes_rw]
"." = "/project"

[dev_shell]
shell = "sh"
inputs = ["cowsay"]

[cmd.waiter]
run = '''
echo "ready $1"
while [ ! -e "/project/go_$1" ]; do echo tick >> "/project/ticks_$1"; sleep 0.1; done
echo "finished $1"
exit 3
'''
post_run_outside = '''
echo "post $ANYSNAKE2_RUN_STATUS" >> post.log
'''

[cmd.sleeper]
run = '''
if [ "${1:-}" = trap ]; then trap 'echo "caught INT"; exit 9' INT; fi
echo "sleeping"
if [ "${1:-}" = short ]; then sleep 2; echo end; exit 3; fi
sleep 60
'''
post_run_inside = '''
echo "inside $ANYSNAKE2_RUN_STATUS" >> /project/inside.log
'''
"""


def _project(base: Path, nixpkgs: dict[str, str], container: str = "") -> Path:
    root = base / "project"
    root.mkdir()
    text = CONFIG.replace("@URL@", nixpkgs["url"]).replace("@REV@", nixpkgs["rev"])
    (root / "anysnake2.toml").write_text(text.replace("@CONTAINER@", container))
    return root


@pytest.fixture
def project(tmp_path: Path, nixpkgs: dict[str, str]) -> Path:
    return _project(tmp_path, nixpkgs)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    for name in ("TMUX", "STY", "SINGULARITY_NAME", "APPTAINER_NAME", dtach.INSIDE_VARIABLE):
        env.pop(name, None)
    env.update(PYTHONPATH=str(ROOT), ANYSNAKE2_OFFLINE="1", **extra)
    return env


def _tool(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """anysnake2 without a terminal (stdin from /dev/null, output captured)."""
    return run_cli(*args, cwd=root, env=_env(**env), timeout=120, stdin=subprocess.DEVNULL)


class Pane:
    """One tmux server (its own socket) with one pane running bash in the project."""

    def __init__(self, root: Path) -> None:
        self.server = f"anysnake2-test-{uuid.uuid4().hex[:12]}"
        self.root = root
        self.tmux(
            "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "150", "-y", "40",
            "-c", str(root), "env PS1='$ ' bash --norc --noprofile",
        )  # fmt: skip

    def tmux(self, *args: str) -> str:
        proc = subprocess.run(
            ["tmux", "-L", self.server, *args],
            env=_env(),
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return proc.stdout

    def type(self, line: str) -> None:
        self.tmux("send-keys", "-t", "t", "-l", line)
        self.tmux("send-keys", "-t", "t", "Enter")

    def key(self, key: str) -> None:
        self.tmux("send-keys", "-t", "t", key)

    def anysnake2(self, *args: str, keep_tmux: bool = False) -> None:
        """Start the tool in the pane, then print its exit status as rc=N."""
        prefix = "" if keep_tmux else "env -u TMUX "
        words = shlex.join(["ANYSNAKE2_OFFLINE=1", f"PYTHONPATH={ROOT}", *cli_argv()])
        self.type(f'{prefix}{words} {shlex.join(args)}; echo "rc=$?"')

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "t")

    def wait_for(self, pattern: str, *, count: int = 1, timeout: float = 30.0) -> str:
        """Poll the pane (with scrollback) until `pattern` occurs `count` times."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if len(re.findall(pattern, text, re.MULTILINE)) >= count:
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} (x{count}) did not appear:\n{text}")
            time.sleep(0.05)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.server, "kill-server"], check=False, timeout=30)


@pytest.fixture
def pane(project: Path) -> Iterator[Pane]:
    pane = Pane(project)
    try:
        yield pane
    finally:
        pane.close()
        # Let sessions started in the test end (their command waits for a go file).
        for name in ("A", "B"):
            (project / f"go_{name}").touch()


def _wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def _ticks(root: Path, name: str) -> int:
    path = root / f"ticks_{name}"
    return len(path.read_text().splitlines()) if path.exists() else 0


# --- dtach sessions -------------------------------------------------------------------


def test_detach_keeps_running_attach_returns_post_hook_once(pane: Pane, project: Path) -> None:
    pane.anysnake2("waiter", "A")
    pane.wait_for(r"^ready A$")
    assert "detach with Ctrl-\\" in pane.text()  # said once, at the start
    pane.key("C-\\")
    pane.wait_for(r"^rc=0$")
    assert "detached from 'waiter_" in pane.text()
    assert not (project / "post.log").exists()  # detaching is not the end
    assert len(dtach.live_sessions(project)) == 1
    before = _ticks(project, "A")
    _wait_until(lambda: _ticks(project, "A") > before + 3)  # still running while detached

    pane.anysnake2("attach")
    pane.wait_for(r"^\[attached\]|reattaching to 'waiter_", timeout=10)
    (project / "go_A").touch()
    pane.wait_for(r"^finished A$")
    text = pane.wait_for(r"^rc=3$")
    assert text.count("detach with Ctrl-\\") == 1
    assert (project / "post.log").read_text() == "post 3\n"
    assert dtach.live_sessions(project) == []
    assert sorted(p.name for p in dtach.socket_dir(project).iterdir()) == []


def test_exit_status_of_a_dtached_command_comes_back(pane: Pane) -> None:
    pane.anysnake2("run", "--", "sh", "-c", "echo inside; exit 3")
    text = pane.wait_for(r"^rc=3$")
    assert "[EOF - dtach terminating]" in text  # it did run in dtach


def test_two_sessions_give_a_choice_and_the_chosen_one_attaches(pane: Pane, project: Path) -> None:
    for number, name in enumerate(("A", "B"), 1):
        pane.anysnake2("waiter", name)
        pane.wait_for(f"^ready {name}$")
        pane.key("C-\\")
        pane.wait_for(r"^rc=0$", count=number)
    first, second = dtach.live_sessions(project)
    pane.anysnake2("attach")
    text = pane.wait_for(r"please choose a session to reattach")
    assert f"  1  {first}" in text and f"  2  {second}" in text
    pane.type("x")
    pane.wait_for(r"'x' is not one of 1-2")
    pane.type("2")
    pane.wait_for(f"reattaching to '{second}'")
    (project / "go_B").touch()
    pane.wait_for(r"^finished B$")
    pane.wait_for(r"^rc=3$")
    assert dtach.live_sessions(project) == [first]
    (project / "go_A").touch()
    _wait_until(lambda: dtach.live_sessions(project) == [])
    _wait_until(lambda: (project / "post.log").read_text().count("post 3") == 2)


def test_ctrl_c_reaches_the_program_and_the_status_says_so(pane: Pane) -> None:
    pane.anysnake2("run", "--", "sh", "-c", "echo sleeping; sleep 60")
    pane.wait_for(r"^sleeping$")
    started = time.monotonic()
    pane.key("C-c")
    pane.wait_for(r"^rc=130$", timeout=20)
    assert time.monotonic() - started < 20


def test_no_dtach_inside_tmux(pane: Pane, project: Path) -> None:
    pane.anysnake2("run", "--", "sh", "-c", "exit 4", keep_tmux=True)
    text = pane.wait_for(r"^rc=4$")
    assert "[EOF - dtach terminating]" not in text and "detach with Ctrl" not in text
    assert not dtach.socket_dir(project).exists()


def test_dtach_false_in_config_runs_without_session(tmp_path: Path, nixpkgs) -> None:
    root = _project(tmp_path, nixpkgs, container="dtach = false\n")
    pane = Pane(root)
    try:
        pane.anysnake2("run", "--", "sh", "-c", "exit 5")
        text = pane.wait_for(r"^rc=5$")
    finally:
        pane.close()
    assert "[EOF - dtach terminating]" not in text
    assert not dtach.socket_dir(root).exists()
    session = root / ".anysnake2_flake" / "run_scripts" / "run" / "session"
    assert session.read_text() == "off\n"  # the warm path knows it too


def test_when_dtach_is_wanted(monkeypatch) -> None:
    for name in ("TMUX", "STY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TMUX", "/tmp/x,1,0")
    assert not start._session_possible()
    monkeypatch.delenv("TMUX")
    monkeypatch.setenv("STY", "1.pts")
    assert not start._session_possible()
    monkeypatch.delenv("STY")
    assert not start._session_possible()  # pytest's stdout is no terminal
    assert session_allowed(Project())
    assert not session_allowed(Project(anysnake2=AnysnakeSettings(dtach=False)))
    assert not session_allowed(Project(container=Container(dtach=False)))


def test_stale_sockets_are_removed(tmp_path: Path) -> None:
    directory = dtach.socket_dir(tmp_path)
    directory.mkdir(parents=True)
    for name in ("run_1", "run_2"):
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(directory / name))
        if name == "run_1":
            server.close()  # nobody listens any more: stale
        else:
            server.listen()
            live = server
    (directory / "run_1.plan").write_text("{}")
    try:
        assert dtach.live_sessions(tmp_path) == ["run_2"]
        assert sorted(p.name for p in directory.iterdir()) == ["run_2"]
    finally:
        live.close()


def test_attach_without_sessions_says_so(project: Path) -> None:
    proc = _tool(project, "attach")
    assert proc.returncode == 1  # nothing to attach to; not 69 "a tool is missing"
    assert "no session to attach to" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- Ctrl-C keeps the promise of post_run_inside ---------------------------------------


def _inside_log(project: Path) -> list[str]:
    path = project / "inside.log"
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.parametrize("session", ["dtach", "no dtach"])
def test_ctrl_c_runs_post_run_inside_every_time(project: Path, session: str) -> None:
    """10 of 10: Ctrl-C ends the command (130) and post_run_inside still runs, once."""
    pane = Pane(project)
    try:
        for attempt in range(1, 11):
            pane.anysnake2("sleeper", keep_tmux=session == "no dtach")
            pane.wait_for(r"^sleeping$", count=attempt)
            pane.key("C-c")
            # ^C is echoed where the cursor is: the status may follow it on that line.
            text = pane.wait_for(r"rc=130$", count=attempt, timeout=20)
            _wait_until(lambda n=attempt: len(_inside_log(project)) >= n, timeout=10)
            assert _inside_log(project) == ["inside 130"] * attempt, text
        assert ("[EOF - dtach terminating]" in text) == (session == "dtach")
    finally:
        pane.close()


def test_ctrl_c_when_the_command_traps_int(pane: Pane, project: Path) -> None:
    for attempt in range(1, 4):
        pane.anysnake2("sleeper", "trap")
        pane.wait_for(r"^sleeping$", count=attempt)
        pane.key("C-c")
        pane.wait_for(r"rc=9$", count=attempt, timeout=20)
        pane.wait_for(r"caught INT$", count=attempt)
        _wait_until(lambda n=attempt: len(_inside_log(project)) >= n, timeout=10)
    assert _inside_log(project) == ["inside 9"] * 3


def test_ctrl_c_after_detach_and_attach(pane: Pane, project: Path) -> None:
    pane.anysnake2("sleeper")
    pane.wait_for(r"^sleeping$")
    pane.key("C-\\")
    pane.wait_for(r"^rc=0$")
    assert _inside_log(project) == []
    pane.anysnake2("attach")
    pane.wait_for(r"reattaching to 'sleeper_", timeout=10)
    time.sleep(0.3)  # dtach has the terminal
    pane.key("C-c")
    pane.wait_for(r"rc=130$", timeout=20)
    _wait_until(lambda: _inside_log(project) == ["inside 130"], timeout=10)
    assert dtach.live_sessions(project) == []


@pytest.mark.parametrize(
    "args",
    [["run", "--", "sh", "-c", "echo sleeping; sleep 2; echo end; exit 3"], ["sleeper", "short"]],
)
def test_ctrl_z_does_not_tear_the_container_apart(
    pane: Pane, project: Path, args: list[str]
) -> None:
    """A step runs in its own process group: Ctrl-Z (which would stop it alone while the
    entry script went on) is undone at once; the command finishes normally."""
    pane.anysnake2(*args, keep_tmux=True)
    pane.wait_for(r"^sleeping$")
    pane.key("C-z")
    text = pane.wait_for(r"rc=\d+$", timeout=30)
    assert "Stopped" not in text
    assert re.search(r"end$", text, re.MULTILINE) and re.search(r"rc=3$", text, re.MULTILINE)
    if args[0] == "sleeper":
        _wait_until(lambda: _inside_log(project) == ["inside 3"], timeout=10)


def test_sigterm_is_forwarded_and_post_run_inside_runs(project: Path) -> None:
    """No terminal: SIGTERM to the container's entry script reaches the command."""
    proc = start_cli(
        "sleeper", cwd=project, env=_env(), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "sleeping"
        found = subprocess.run(
            ["pgrep", "-f", "^/bin/bash /anysnake2/outer_run.sh"],
            capture_output=True, text=True, check=False,
        ).stdout.split()  # fmt: skip
        # The script itself (not bwrap, whose argv names it too), of this project only.
        scripts = [pid for pid in found if os.readlink(f"/proc/{pid}/cwd") == str(project)]
        assert scripts, "the container's entry script is not running"
        for pid in scripts:
            os.kill(int(pid), 15)
        assert proc.wait(timeout=20) == 143
    finally:
        proc.kill()
    assert _inside_log(project) == ["inside 143"]


# --- nesting ----------------------------------------------------------------------------


def test_containers_are_marked_and_nesting_is_refused(project: Path) -> None:
    proc = _tool(project, "run", "--", "sh", "-c", 'echo "inside=$ANYSNAKE2_INSIDE"')
    assert proc.returncode == 0, proc.stderr
    assert "inside=1" in proc.stdout
    for variable in ("ANYSNAKE2_INSIDE", "SINGULARITY_NAME", "APPTAINER_NAME"):
        for args in (["run", "--", "true"], ["waiter", "X"], ["develop", "-c", "true"]):
            proc = _tool(project, *args, **{variable: "1"})
            assert proc.returncode == 70, (variable, args, proc.stderr)
            assert f"${variable} is set" in proc.stderr
            assert "nesting containers is not supported" in proc.stderr
    assert not (project / "post.log").exists()


# --- develop ----------------------------------------------------------------------------


def test_develop_starts_the_configured_shell_with_the_packages(project: Path) -> None:
    script = 'echo "shell=$0"; command -v hello; hello; cowsay moo; exit 4'
    proc = _tool(project, "develop", "-c", script)
    assert proc.returncode == 4, proc.stderr
    lines = proc.stdout.splitlines()
    assert "shell=sh" in lines
    assert any(line.endswith("/rootfs/bin/hello") for line in lines)  # the rootfs' tools
    assert "Hello, world!" in lines
    assert "moo" in proc.stdout  # [dev_shell] inputs
    assert str(project) == _tool(project, "develop", "-c", "pwd").stdout.strip()


def test_develop_passes_every_argument_and_reports_missing_programs(project: Path) -> None:
    proc = _tool(project, "develop", "-c", "cowsay", "hi", "there")
    assert proc.returncode == 0, proc.stderr
    assert "hi there" in proc.stdout  # not an empty cow: every word reached cowsay
    proc = _tool(project, "develop", "-c", "sh", "-c", 'echo "[$1]"; exit 6', "zero", "a b")
    assert proc.returncode == 6 and proc.stdout.strip() == "[a b]", proc.stderr
    for args in (["nosuchprogram", "--version"], ["nosuchprogram --version | cat"]):
        proc = _tool(project, "develop", "-c", *args)
        assert proc.returncode == 69, proc.stderr
        assert "'nosuchprogram' is not a program in the develop shell" in proc.stderr
        assert "127" not in proc.stderr and "Traceback" not in proc.stderr
    assert not list((project / ".anysnake2_flake").glob(".develop-missing.*"))
    proc = _tool(project, "develop", "foo")
    assert proc.returncode == 64
    assert "develop does not understand 'foo'" in proc.stderr
    assert "anysnake2 develop -c foo" in proc.stderr


def test_session_survives_a_lost_terminal(project: Path) -> None:
    """The ssh connection drops: the terminal (here: the whole tmux server) goes away."""
    pane = Pane(project)
    try:
        pane.anysnake2("waiter", "A")
        pane.wait_for(r"^ready A$")
    finally:
        pane.close()
    assert len(dtach.live_sessions(project)) == 1
    before = _ticks(project, "A")
    _wait_until(lambda: _ticks(project, "A") > before + 3)
    assert not (project / "post.log").exists()
    (project / "go_A").touch()
    _wait_until(lambda: (project / "post.log").exists())
    assert (project / "post.log").read_text() == "post 3\n"
    _wait_until(lambda: dtach.live_sessions(project) == [])


def test_missing_dtach_warns_and_runs_directly(tmp_path: Path, monkeypatch, capfd) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dtach here
    assert dtach.run_in_session(tmp_path, tmp_path, "run", ["true"]) is None
    assert "dtach was not found on PATH" in capfd.readouterr().err
    assert not dtach.socket_dir(tmp_path).exists()
