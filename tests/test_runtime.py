"""Running commands in the container: real bwrap over a rootfs from the offline package set.

The rootfs is built once per session with real nix from tools/offline_pkgs (hello,
bashInteractive, coreutils as busybox applets, xorg.lndir), in the shape of the original's
symlink forest (bin/, etc/ with empty passwd and group and a bashrc, tmp/, var/tmp/,
usr/bin -> bin). Nothing inside the container needs the host's /usr.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import build_flake

from anysnake2 import _log
from anysnake2.cli import Context
from anysnake2.errors import ConfigError, FailureError, UsageError
from anysnake2.model import Command, Container, Project
from anysnake2.runtime.detect import Runtime, detect_runtime, identify
from anysnake2.runtime.run import prepare, run_command

ROOT = Path(__file__).resolve().parents[1]

FLAKE = """\
{
  inputs.nixpkgs.url = "@NIXPKGS@";
  outputs = { self, nixpkgs }:
    let pkgs = nixpkgs.legacyPackages.x86_64-linux;
    in {
      packages.x86_64-linux.default =
        pkgs.runCommand "rootfs" { nativeBuildInputs = [ pkgs.xorg.lndir ]; } ''
          mkdir -p $out/rootfs/bin $out/rootfs/etc $out/rootfs/tmp $out/rootfs/var/tmp
          mkdir -p $out/rootfs/usr
          for p in ${pkgs.hello} ${pkgs.bashInteractive} ${pkgs.coreutils}; do
            lndir -silent $p/bin $out/rootfs/bin
          done
          touch $out/rootfs/etc/passwd $out/rootfs/etc/group
          echo 'export SSL_CERT_FILE=/etc/ssl/certs/ca-bundle.crt' > $out/rootfs/etc/bashrc
          ln -s $out/rootfs/bin $out/rootfs/usr/bin
        '';
    };
}
"""


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory, nixpkgs: dict[str, str]) -> Path:
    """The rootfs' store path (its `rootfs/` is the container's /), built with real nix."""
    base = tmp_path_factory.mktemp("rootfs-flake")
    return build_flake(base, FLAKE.replace("@NIXPKGS@", f"{nixpkgs['url']}?rev={nixpkgs['rev']}"))


@pytest.fixture(scope="session")
def rootfs(store_path: Path) -> Path:
    return store_path / "rootfs"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


BWRAP = Runtime("bwrap", "/usr/bin/bwrap", "0.8.0")


def _run(project: Project, root: Path, rootfs: Path, name: str, args: list[str]) -> int:
    command = None if name == "run" else project.cmd[name]
    return run_command(project, root, name, command, args, rootfs=rootfs, runtime=BWRAP)


def _home(root: Path) -> Container:
    return Container(home=str(root / "home"))


# --- run -- ARGV ----------------------------------------------------------------------


def test_run_hello_prints_its_output(project_dir, rootfs, capfd) -> None:
    project = Project(container=_home(project_dir))
    assert _run(project, project_dir, rootfs, "run", ["hello"]) == 0
    assert capfd.readouterr().out == "Hello, world!\n"


@pytest.mark.parametrize(
    ("argv", "status"),
    [(["true"], 0), (["sh", "-c", "exit 3"], 3), (["no-such-command"], 127)],
)
def test_run_exit_status_passes_through(project_dir, rootfs, argv, status) -> None:
    project = Project(container=_home(project_dir))
    assert _run(project, project_dir, rootfs, "run", argv) == status


TRICKY = ["a b", "it's", 'say "hi"', "$HOME", "${X}", "a;b", "x && y", "*", "", "'quoted'"]


def test_run_arguments_arrive_unchanged(project_dir, rootfs, capfd) -> None:
    project = Project(container=_home(project_dir))
    assert _run(project, project_dir, rootfs, "run", ["printf", "<%s>\\n", *TRICKY]) == 0
    assert capfd.readouterr().out == "".join(f"<{arg}>\n" for arg in TRICKY)


def test_custom_command_arguments_reach_dollar_at(project_dir, rootfs, capfd) -> None:
    project = Project(
        container=_home(project_dir),
        cmd={"show": Command("show", run='printf "<%s>\\n" "$@"')},
    )
    assert _run(project, project_dir, rootfs, "show", TRICKY) == 0
    assert capfd.readouterr().out == "".join(f"<{arg}>\n" for arg in TRICKY)


# --- hooks ----------------------------------------------------------------------------


def test_all_hooks_run_in_order_and_status_is_runs(project_dir, rootfs, capfd) -> None:
    pidfile = project_dir / "while.pid"
    project = Project(
        container=_home(project_dir),
        cmd={
            "job": Command(
                "job",
                run='echo "run $1 $2"\nexit 3',
                pre_run_outside="echo pre outside",
                pre_run_inside="echo pre inside",
                post_run_inside='echo "post inside $ANYSNAKE2_RUN_STATUS $ANYSNAKE_RUN_STATUS"',
                post_run_outside='echo "post outside $ANYSNAKE2_RUN_STATUS"',
                while_run_outside=f"sleep 300 &\necho $! > {pidfile}\nwait",
            )
        },
    )
    assert _run(project, project_dir, rootfs, "job", ["x", "y z"]) == 3
    lines = capfd.readouterr().out.splitlines()
    assert lines == [
        "pre outside",
        "pre inside",
        "run x y z",
        "post inside 3 3",
        "post outside 3",
    ]
    # while_run_outside ran, and its child was stopped with it when the container exited.
    child = int(pidfile.read_text())
    for _ in range(50):
        if not Path(f"/proc/{child}").exists():
            break
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists()


def test_pre_run_outside_failure_aborts_with_numbered_script(project_dir, rootfs) -> None:
    marker = project_dir / "ran"
    project = Project(
        container=Container(home=str(project_dir / "home"), volumes_rw={".": "/project"}),
        cmd={
            "job": Command(
                "job", run="touch /project/ran", pre_run_outside="echo one\nfalse\necho three"
            )
        },
    )
    with pytest.raises(FailureError) as info:
        _run(project, project_dir, rootfs, "job", [])
    assert info.value.exit_code == 70
    assert "   1 | echo one\n   2 | false\n   3 | echo three" in info.value.message
    assert not marker.exists()


def test_post_run_outside_failure_warns(project_dir, rootfs, capfd) -> None:
    project = Project(
        container=_home(project_dir),
        cmd={"job": Command("job", run="true", post_run_outside="exit 5")},
    )
    assert _run(project, project_dir, rootfs, "job", []) == 0
    assert "post_run_outside of [cmd.job] failed with exit code 5" in capfd.readouterr().err


def test_failing_run_still_runs_post_inside(project_dir, rootfs, capfd) -> None:
    project = Project(
        container=_home(project_dir),
        cmd={"job": Command("job", run="false\necho not reached", post_run_inside="echo post")},
    )
    assert _run(project, project_dir, rootfs, "job", []) == 1
    assert capfd.readouterr().out == "post\n"


# --- volumes, env, home ---------------------------------------------------------------


def test_volumes_ro_and_rw_also_inside_var_run(project_dir, rootfs, capfd) -> None:
    for name in ("ro", "rw", "sock"):
        (project_dir / name).mkdir()
    (project_dir / "ro" / "file").write_text("read me\n")
    project = Project(
        container=Container(
            home=str(project_dir / "home"),
            volumes_ro={"ro": "/data/ro"},
            volumes_rw={"rw": "/data/rw", "sock": "/var/run/sock"},
        ),
        cmd={
            "job": Command(
                "job",
                run="cat /data/ro/file\n"
                "if touch /data/ro/new 2>/dev/null; then echo ro-writable; fi\n"
                "echo written > /data/rw/out\n"
                "echo socket > /var/run/sock/out\n"
                "ls /var",
            )
        },
    )
    assert _run(project, project_dir, rootfs, "job", []) == 0
    out = capfd.readouterr().out
    assert out.splitlines() == ["read me", "run", "tmp"]
    assert not (project_dir / "ro" / "new").exists()
    assert (project_dir / "rw" / "out").read_text() == "written\n"
    assert (project_dir / "sock" / "out").read_text() == "socket\n"


def test_missing_volume_is_a_config_error_naming_it(project_dir, rootfs) -> None:
    project = Project(container=Container(home=str(project_dir), volumes_rw={"nope": "/x"}))
    with pytest.raises(ConfigError) as info:
        _run(project, project_dir, rootfs, "run", ["true"])
    assert info.value.exit_code == 65
    assert "container.volumes_rw: 'nope'" in info.value.message


def test_env_home_and_clean_environment(project_dir, rootfs, capfd, monkeypatch) -> None:
    monkeypatch.setenv("HOST_ONLY", "secret")
    monkeypatch.setenv("GREETING", "hello")
    monkeypatch.delenv("UNDEFINED_ONE", raising=False)
    project = Project(
        env={"A": "from env", "B": "from env", "C": "${GREETING} world"},
        container=Container(
            home="$ANYSNAKE2_ROOT/myhome",
            env={"B": "from container.env", "D": "$UNDEFINED_ONE"},
        ),
    )
    argv = ["sh", "-c", 'env | sort; echo "pwd=$(pwd)"; id -un; touch "$HOME/made"']
    assert _run(project, project_dir, rootfs, "run", argv) == 0
    out, err = capfd.readouterr()
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    home = str(project_dir / "myhome")
    assert env["A"] == "from env"
    assert env["B"] == "from container.env"
    assert env["C"] == "hello world"
    assert env["D"] == "$UNDEFINED_ONE"
    assert "UNDEFINED_ONE" in err
    assert env["HOME"] == home
    assert env["PATH"] == "/bin"
    assert "HOST_ONLY" not in env and "PYTHONPATH" not in env
    assert env["pwd"] == str(project_dir)
    assert out.splitlines()[-1] == "root"  # generated /etc/passwd knows the caller
    assert (project_dir / "myhome" / "made").exists()  # created, read-write


def test_store_path_stays_valid_and_bash_file_reruns(project_dir, rootfs, store_path) -> None:
    project = Project(container=_home(project_dir))
    assert _run(project, project_dir, rootfs, "run", ["hello"]) == 0
    bash_file = project_dir / ".anysnake2_flake" / "run_scripts" / "run" / "bwrap.bash"
    rerun = subprocess.run(
        ["bash", str(bash_file), "echo", "again; $x"], capture_output=True, text=True, check=False
    )
    assert (rerun.returncode, rerun.stdout) == (0, "again; $x\n")
    verify = subprocess.run(
        ["nix-store", "--verify-path", str(store_path)], capture_output=True, text=True, check=False
    )
    assert verify.returncode == 0, verify.stderr


def test_warm_path_runs_from_stored_files(project_dir, rootfs, capfd, monkeypatch) -> None:
    from anysnake2.runtime.start import run_stored

    monkeypatch.setenv("WHO", "world")
    project = Project(
        container=_home(project_dir),
        env={"GREETING": "hello $WHO"},
        cmd={"hi": Command("hi", run='echo "$GREETING $1"', post_run_outside="echo after")},
    )
    assert run_stored(project_dir, "hi", ["x"]) is None  # nothing stored yet
    assert _run(project, project_dir, rootfs, "hi", ["a"]) == 0
    assert run_stored(project_dir, "hi", ["b c"]) == 0
    assert capfd.readouterr().out == "hello world a\nafter\nhello world b c\nafter\n"
    monkeypatch.setenv("WHO", "moon")  # the stored argv was made with WHO=world
    assert run_stored(project_dir, "hi", ["x"]) is None


# --- the CLI commands -----------------------------------------------------------------


def _ctx(root: Path, project: Project) -> Context:
    (root / "anysnake2.toml").write_text("")
    return Context(cwd=root, project=project, config_path=root / "anysnake2.toml")


def test_cli_run_and_named_commands(project_dir, rootfs, capfd, monkeypatch) -> None:
    from anysnake2.commands import run as run_cmd

    # The build step is not under test here: it hands over the rootfs.
    monkeypatch.setattr(run_cmd, "rootfs_path", lambda ctx: rootfs)
    monkeypatch.setattr("anysnake2.runtime.run.detect_runtime", lambda requested: BWRAP)
    project = Project(
        container=_home(project_dir),
        cmd={"default": Command("default", run='echo "default $*"')},
    )
    ctx = _ctx(project_dir, project)
    assert run_cmd.main(ctx, ["--", "hello"]) == 0
    assert run_cmd.run_named(ctx, "default", ["a", "b"]) == 0
    assert run_cmd.main(ctx, ["--", "python", "-c", "'print(1)'"]) == 127
    out, err = capfd.readouterr()
    assert out == "Hello, world!\ndefault a b\n"
    assert "wrapped in single quotes" in err


def test_usage_errors(project_dir) -> None:
    from anysnake2.commands import run as run_cmd

    ctx = _ctx(project_dir, Project(cmd={"shell": Command("shell", run="bash")}))
    for args in ([], ["--"]):
        with pytest.raises(UsageError) as info:
            run_cmd.main(ctx, args)
        assert info.value.exit_code == 64
    with pytest.raises(UsageError) as info:
        run_cmd.run_named(ctx, "nope", [])
    assert "unknown command 'nope'" in info.value.message
    assert "commands of this project: shell; built-in:" in info.value.hint
    assert "run" in info.value.hint
    with pytest.raises(UsageError) as info:
        run_cmd.run_named(ctx, "default", [])
    assert "no [cmd.default]" in info.value.message


# --- runtime detection ----------------------------------------------------------------


def _fake(bin_dir: Path, name: str, output: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\necho '{output}'\n")
    path.chmod(0o755)


def test_detect_runtime(tmp_path: Path, capfd) -> None:
    # apptainer and singularity are not installed here: stand-ins print their --version.
    _log.set_verbosity(2)
    game, real = tmp_path / "game", tmp_path / "real"
    game.mkdir()
    real.mkdir()
    _fake(game, "singularity", "Singularity 1.0b1 - the game")
    bwrap_dir = str(Path("/usr/bin/bwrap").parent)
    found = detect_runtime(None, path=f"{game}:{bwrap_dir}")
    assert found.name == "bwrap"
    err = capfd.readouterr().err
    assert "is not a container runtime" in err and "container runtime: bwrap" in err
    with pytest.raises(Exception) as info:
        detect_runtime("singularity", path=str(game))
    assert getattr(info.value, "exit_code", None) == 69
    with pytest.raises(Exception) as info:
        detect_runtime("apptainer", path=str(game))
    assert getattr(info.value, "exit_code", None) == 69
    assert "apptainer" in info.value.hint
    _fake(real, "apptainer", "apptainer version 1.3.4")
    _fake(real, "singularity", "singularity-ce version 4.1.0")
    assert detect_runtime(None, path=f"{real}:{bwrap_dir}") == Runtime(
        "apptainer", str(real / "apptainer"), "1.3.4"
    )
    assert identify("singularity", str(real / "singularity")) == "4.1.0"
    assert detect_runtime("bwrap", path=bwrap_dir).name == "bwrap"


# --- golden singularity / apptainer argv and scripts -----------------------------------

GOLDEN = ROOT / "tests" / "resources" / "runtime"


def _golden_text(project_dir: Path, runtime: str, name: str, args: list[str]) -> str:
    (project_dir / "data").mkdir(exist_ok=True)
    (project_dir / "out").mkdir(exist_ok=True)
    project = Project(
        env={"LANG": "C.UTF-8", "GREETING": "${WHO}, hi"},
        container=Container(
            home="home",
            volumes_ro={"data": "/data", "/nix/var": "/var/nix"},
            volumes_rw={"out": "/project/out", ".": "/project"},
            env={"LANG": "en_US.UTF-8", "LIST": "a,b", "OPTS": 'a=1,b="2"'},
        ),
        cmd={
            "job": Command(
                "job",
                run='cd /project\npython -c "import sys; print(sys.argv)" "$@"',
                pre_run_outside="echo pre outside",
                while_run_outside="sleep 100",
                pre_run_inside="echo pre inside",
                post_run_inside='echo "status $ANYSNAKE2_RUN_STATUS"',
                post_run_outside="echo done",
            )
        },
    )
    from anysnake2.runtime.run import Extras

    ready = prepare(
        project,
        project_dir,
        name,
        project.cmd.get(name),
        args,
        rootfs=Path("/nix/store/00000000000000000000000000000000-rootfs/rootfs"),
        runtime=Runtime(runtime, f"/usr/bin/{runtime}", "1.0"),
        extras=Extras(
            binds=(("/src/code/pkg", "/anysnake2/venv/linked_in/pkg"),),
            path_entries=("/anysnake2/venv/bin",),
            pythonpath=("/anysnake2/venv/linked_in/pkg",),
        ),
        host_env={"HOME": "/home/someone", "WHO": "world"},
    )
    parts = ["# argv", *ready.argv]
    for path in sorted(ready.directory.iterdir()):
        # argv and host are NUL-separated: one item a line here
        parts += [f"# file {path.name}", path.read_text().replace("\0", "\n").rstrip("\n")]
    text = "\n".join(parts).replace(str(project_dir), "/ROOT") + "\n"
    return text.replace(f":uid={os.getuid()}\n", ":uid=UID\n").replace(
        f":gid={os.getgid()}\n", ":gid=GID\n"
    )


@pytest.mark.parametrize(
    ("runtime", "name", "args"),
    [
        ("singularity", "job", ["a b", "$x;"]),
        ("apptainer", "job", []),
        ("singularity", "run", ["python", "-c", "print('1; 2')"]),
        ("apptainer", "run", ["hello"]),
    ],
)
def test_golden_singularity_and_apptainer(project_dir, runtime, name, args) -> None:
    text = _golden_text(project_dir, runtime, name, args)
    golden = GOLDEN / f"{runtime}_{name}.golden"
    if os.environ.get("ANYSNAKE2_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()
