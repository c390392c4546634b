"""`anysnake2 kernel`: kernelspecs that start the project's kernel through the container.

The kernelspec is written to a temporary JUPYTER_DATA_DIR and read back by the real
`jupyter kernelspec list` of a test venv (jupyter_client and jupyter_core from PyPI).
`kernel start` runs in a real bwrap over the offline example's rootfs with the connection
file's folder bound in. The real kernel: a project whose Python packages are ipykernel
(locked by real uv against PyPI, built by the real pyproject.nix builders over the honest
stand-in with the host's Python, see tests/test_upstream_build.py) gets `kernel install`,
and jupyter_client of the test venv starts that kernelspec (this checkout's anysnake2 →
bwrap → ipykernel), runs `1+1`, interrupts a running cell and shuts the kernel down.
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
    # the default argv is ipykernel's; this rootfs has no Python: 127 and the name
    plain = run_cli("kernel", "start", str(connection), cwd=root, env=env)
    assert plain.returncode == 127 and "python" in plain.stderr


# --- a real ipykernel through the container -----------------------------------------------

EXECUTE = """
import json, sys, time
from jupyter_client.manager import start_new_kernel

km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=600)
process = km.provisioner.process  # anysnake2 kernel start (gone from km after shutdown)
out = {"results": [], "errors": []}
def hook(msg):
    content = msg["content"]
    if msg["msg_type"] == "execute_result":
        out["results"].append(content["data"]["text/plain"])
    elif msg["msg_type"] == "stream":
        out["results"].append(content["text"])
    elif msg["msg_type"] == "error":
        out["errors"].append(content["ename"])
try:
    reply = kc.execute_interactive("1+1", timeout=120, output_hook=hook)
    out["status"] = reply["content"]["status"]
    kc.execute_interactive("import sys; print(sys.prefix)", timeout=60, output_hook=hook)
    # Jupyter's interrupt (SIGINT to the kernel's process group) reaches the kernel
    msg_id = kc.execute("import time; time.sleep(300)")
    kc.get_iopub_msg(timeout=60)  # busy
    time.sleep(2)  # into the sleep
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=60)
    out["interrupted"] = reply["content"].get("ename")
    reply = kc.execute_interactive("2+3", timeout=60, output_hook=hook)
    out["after_interrupt"] = reply["content"]["status"]
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=False)
out["alive"] = km.is_alive()
out["exit"] = process.wait(timeout=60)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def ipykernel_project(
    tmp_path_factory: pytest.TempPathFactory, upstream, honest_pkgs_with_python
) -> tuple[Path, dict[str, str]]:
    """A project whose Python packages are ipykernel (locked by real uv against PyPI,
    built by the real pyproject.nix builders from wheels); its rootfs built; (root, env)."""
    from test_upstream_build import helper_sections

    base = tmp_path_factory.mktemp("ipykernel")
    root = base / "project"
    root.mkdir()
    nixpkgs = honest_pkgs_with_python["nixpkgs"]
    lines = [
        "[nixpkgs]",
        f'url = "{nixpkgs["url"]}"',
        f'rev = "{nixpkgs["rev"]}"',
        "packages = []",
        "",
        "[python]",
        'version = "3.11"',
        'ecosystem_date = "2024-08-09"',
        "",
        "[python.packages]",
        'ipykernel = ""',
        "",
    ]
    (root / "anysnake2.toml").write_text("\n".join(lines + helper_sections(upstream)))
    env = dict(os.environ, UV_CACHE_DIR=str(base / "uv-cache"))
    env["NIX_CONFIG"] = env.get("NIX_CONFIG", "") + "\nsubstituters =\n"
    env["JUPYTER_DATA_DIR"] = str(base / "jupyter-data")
    env["JUPYTER_RUNTIME_DIR"] = str(base / "jupyter-runtime")
    for name in ("TMUX", "ANYSNAKE2_OFFLINE", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR"):
        env.pop(name, None)
    built = run_cli(
        "run", "--", "python", "-c", "import ipykernel", cwd=root, env=env, timeout=1500
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return root, env


@pytest.mark.needs_shared
def test_jupyter_client_runs_1_plus_1_in_the_projects_ipykernel(
    ipykernel_project: tuple[Path, dict[str, str]], jupyter_venv: Path
) -> None:
    root, env = ipykernel_project
    installed = run_cli("kernel", "install", cwd=root, env=env)
    assert installed.returncode == 0, installed.stderr
    spec = jupyter_kernels(jupyter_venv, env)["anysnake2-project"]["spec"]
    # the kernelspec calls this checkout's anysnake2
    assert spec["argv"][0] == str(REPO / ".venv" / "bin" / "anysnake2")
    proc = subprocess.run(
        [str(jupyter_venv / "python"), "-c", EXECUTE, "anysnake2-project"],
        cwd=root.parent,  # the kernel must not depend on Jupyter's working directory
        env={**env, "PATH": f"{jupyter_venv}:{env['PATH']}"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcome = json.loads(proc.stdout.splitlines()[-1])
    assert outcome["status"] == "ok", outcome
    assert outcome["results"][0] == "2", outcome
    # ipykernel ran in the project's venv, which the real builders made in the store
    prefix = outcome["results"][1].strip()
    assert prefix.startswith("/nix/store/") and prefix.endswith("-anysnake2-venv"), outcome
    # an interrupt stops the running cell, and the kernel goes on
    assert outcome["interrupted"] == "KeyboardInterrupt", outcome
    assert outcome["after_interrupt"] == "ok" and outcome["results"][-1] == "5", outcome
    # a clean shutdown: the kernel process (anysnake2 → bwrap → ipykernel) is gone, status 0
    assert outcome["alive"] is False and outcome["exit"] == 0, outcome
