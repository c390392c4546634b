"""`anysnake2 kernel`: kernelspecs that start the project's kernel through the container.

The kernelspec is written to a temporary JUPYTER_DATA_DIR and read back by the real
`jupyter kernelspec list` of a test venv (jupyter_client and jupyter_core from PyPI).
`kernel start` runs in a real bwrap over the offline example's rootfs with the connection
file's folder bound in. Running `1+1` in ipykernel needs a Python with ipykernel in the
offline package set, which it does not have yet: that part is not tested here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

REPO = Path(__file__).resolve().parent.parent
UV = REPO / ".venv" / "bin" / "uv"


@pytest.fixture(scope="module")
def jupyter_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with jupyter_client and jupyter_core (real PyPI); its bin folder."""
    venv = tmp_path_factory.mktemp("jupyter") / "venv"
    subprocess.run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", str(python)]
        + ["jupyter_client", "jupyter_core"],
        check=True,
        timeout=600,
    )
    return venv / "bin"


@pytest.fixture
def project(tmp_path: Path, offline_pkgs) -> tuple[Path, dict[str, str]]:
    nixpkgs = offline_pkgs["nixpkgs"]
    root = tmp_path / "My Project"
    root.mkdir()
    (root / "anysnake2.toml").write_text(
        f'[nixpkgs]\nurl = "{nixpkgs["url"]}"\nrev = "{nixpkgs["rev"]}"\npackages = ["hello"]\n'
        '\n[container]\nruntime = "bwrap"\n'
    )
    env = dict(os.environ, PYTHONPATH=str(REPO), ANYSNAKE2_OFFLINE="1")
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter-data")
    env.pop("TMUX", None)
    return root, env


def jupyter_kernels(bin_dir: Path, env: dict[str, str]) -> dict:
    proc = subprocess.run(
        [str(bin_dir / "jupyter"), "kernelspec", "list", "--json"],
        env={**env, "PATH": f"{bin_dir}:{env['PATH']}"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(proc.stdout)["kernelspecs"]


def test_install_list_remove(project, jupyter_venv: Path) -> None:
    root, env = project
    proc = run_cli("kernel", "install", cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    folder = Path(env["JUPYTER_DATA_DIR"]) / "kernels" / "anysnake2-my-project"
    assert proc.stdout.strip() == str(folder)
    spec = json.loads((folder / "kernel.json").read_text())
    config = str(root / "anysnake2.toml")
    assert spec["argv"][-5:] == ["-c", config, "kernel", "start", "{connection_file}"]
    assert os.access(spec["argv"][0], os.X_OK)  # an absolute anysnake2 to start
    assert spec["display_name"] == "My Project (anysnake2)"
    assert spec["metadata"] == {"anysnake2": {"config": config}}

    listed = jupyter_kernels(jupyter_venv, env)
    assert listed["anysnake2-my-project"]["resource_dir"] == str(folder)
    assert listed["anysnake2-my-project"]["spec"]["argv"] == spec["argv"]

    mine = run_cli("kernel", "list", cwd=root, env=env)
    assert mine.returncode == 0, mine.stderr
    assert f"anysnake2-my-project  {config}  {folder} (user)" in mine.stdout

    named = run_cli(
        "kernel", "install", "--name", "other", "--display-name", "X", cwd=root, env=env
    )
    assert named.returncode == 0, named.stderr
    assert jupyter_kernels(jupyter_venv, env)["other"]["spec"]["display_name"] == "X"

    r_kernel = run_cli("kernel", "install", "--language", "R", cwd=root, env=env)
    assert r_kernel.returncode == 0, r_kernel.stderr
    r_spec = jupyter_kernels(jupyter_venv, env)["anysnake2-my-project-r"]["spec"]
    assert r_spec["language"] == "R" and r_spec["display_name"] == "My Project (R, anysnake2)"
    assert r_spec["argv"][-7:] == ["--", "R", "--slave", "-e", "IRkernel::main()", "--args"] + [
        "{connection_file}"
    ]

    assert run_cli("kernel", "remove", cwd=root, env=env).returncode == 0
    assert not folder.exists()
    assert "anysnake2-my-project" not in jupyter_kernels(jupyter_venv, env)
    again = run_cli("kernel", "remove", cwd=root, env=env)
    assert again.returncode == 66 and "no kernel 'anysnake2-my-project'" in again.stderr


def test_a_foreign_kernelspec_is_never_overwritten_or_removed(project) -> None:
    root, env = project
    foreign = Path(env["JUPYTER_DATA_DIR"]) / "kernels" / "python3"
    foreign.mkdir(parents=True)
    (foreign / "kernel.json").write_text('{"argv": ["python3"], "display_name": "mine"}')
    proc = run_cli("kernel", "install", "--name", "python3", cwd=root, env=env)
    assert proc.returncode == 65 and "did not write" in proc.stderr
    proc = run_cli("kernel", "remove", "--name", "python3", cwd=root, env=env)
    assert proc.returncode == 65
    assert json.loads((foreign / "kernel.json").read_text())["display_name"] == "mine"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "which kernel command?"),
        (["make"], "unknown kernel command 'make'"),
        (["install", "--name"], "--name needs a value"),
        (["install", "--name", "a b"], "is not a kernel name"),
        (["install", "--global"], "unexpected argument --global"),
        (["start"], "needs the connection file"),
    ],
)
def test_usage_errors(project, args: list[str], words: str) -> None:
    root, env = project
    proc = run_cli("kernel", *args, cwd=root, env=env)
    assert proc.returncode == 64 and words in proc.stderr, proc.stderr


def test_start_binds_the_connection_files_folder(project, tmp_path: Path) -> None:
    spaced, env = project
    root = tmp_path / "built"  # nix takes no spaces in the project path
    root.mkdir()
    (root / "anysnake2.toml").write_text((spaced / "anysnake2.toml").read_text())
    built = run_cli("build", "rootfs", cwd=root, env=env)
    assert built.returncode == 0, built.stderr
    runtime_dir = tmp_path / "runtime"  # below /tmp, which is a fresh tmpfs in the container
    runtime_dir.mkdir()
    connection = runtime_dir / "kernel-1.json"
    connection.write_text('{"shell_port": 1}\n')
    argv = ["kernel", "start", str(connection), "--", "cat", "{connection_file}"]
    proc = run_cli(*argv, cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == '{"shell_port": 1}\n'
    # the default argv is ipykernel's; this rootfs has no Python, so it cannot start yet
    plain = run_cli("kernel", "start", str(connection), cwd=root, env=env)
    assert plain.returncode == 127 and "python" in plain.stderr
