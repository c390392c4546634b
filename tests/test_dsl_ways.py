"""The three ways into an anysnake2.py (each in a subprocess, with a sibling module), and
`anysnake2 convert`.

`python anysnake2.py` and `uv run anysnake2.py` put the script's folder first on sys.path,
where the file would shadow the package; the generated header imports the package with that
folder off sys.path (tests/test_script_ways.py runs every way in fresh venvs, regular and
editable). The installed ways here use a wheel of this checkout built into a tmp dir.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from anysnake2 import Project

REPO = Path(__file__).resolve().parent.parent
UV = REPO / ".venv" / "bin" / "uv"

PROJECT = (
    Project()
    .anysnake2("0.1.0")
    .nixpkgs("24.05", packages=["git"])
    .python("3.12", ecosystem_date="2024-05-01", packages={"pandas": ">=2"})
    .cmd("default", "echo hi")
)


def _project_folder(tmp_path: Path) -> Path:
    """anysnake2.py (generated) that also imports a sibling `common.py`."""
    folder = tmp_path / "analysis"
    folder.mkdir()
    (folder / "common.py").write_text(
        "def shared(p):\n    return p.volume('.', '/project').env(FROM_COMMON='1')\n"
    )
    text = PROJECT.to_python()
    text = text.replace(
        "from anysnake2 import Project\n",
        "from anysnake2 import Project\nfrom common import shared\n",
    )
    text = text.replace("    Project()\n", "    Project()\n    .with_(shared)\n")
    (folder / "anysnake2.py").write_text(text)
    return folder


def _runner(tmp_path: Path) -> str:
    """A script like the `anysnake2` entry point (`python -c` would put cwd on sys.path)."""
    runner = tmp_path / "bin" / "anysnake2_cli.py"
    runner.parent.mkdir(exist_ok=True)
    runner.write_text("import sys\nfrom anysnake2.cli import main\nsys.exit(main())\n")
    return str(runner)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(extra)
    return env


def _assert_checked(result: subprocess.CompletedProcess[str], folder: Path) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{folder / 'anysnake2.py'}: ok" in result.stdout
    assert "1 volume" in result.stdout  # from the sibling module


def test_python_script_way(tmp_path: Path) -> None:
    folder = _project_folder(tmp_path)
    result = subprocess.run(
        [sys.executable, "anysnake2.py", "check"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env=_env(PYTHONPATH=str(REPO)),
    )
    _assert_checked(result, folder)


def test_without_the_header_the_script_shadows_the_package(tmp_path: Path) -> None:
    """Why the header exists: the circular import it prevents."""
    folder = tmp_path / "bare"
    folder.mkdir()
    (folder / "anysnake2.py").write_text(
        "from anysnake2 import Project\nproject = Project()\nif __name__ == '__main__':\n"
        "    project.main()\n"
    )
    result = subprocess.run(
        [sys.executable, "anysnake2.py", "check"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env=_env(PYTHONPATH=str(REPO)),
    )
    assert result.returncode != 0 and "partially initialized module 'anysnake2'" in result.stderr


def test_cli_way_from_the_checkout(tmp_path: Path) -> None:
    folder = _project_folder(tmp_path)
    _assert_checked(_cli(folder, "check"), folder)


@pytest.fixture(scope="module")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout, built from a copy (the checkout stays clean)."""
    source = tmp_path_factory.mktemp("src")
    shutil.copytree(
        REPO / "anysnake2", source / "anysnake2", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "pyproject.toml", source / "pyproject.toml")
    (source / "README.md").write_text("anysnake2\n")
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [str(UV), "build", "--wheel", "--quiet", "-o", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    assert list(out.glob("anysnake2-*.whl"))
    return out


def test_installed_cli_way(tmp_path: Path, wheel_dir: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    subprocess.run(
        [
            str(UV),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv / "bin" / "python"),
            "--find-links",
            str(wheel_dir),
            "anysnake2==0.1.0",
        ],
        check=True,
        env=_env(),
    )
    folder = _project_folder(tmp_path)
    result = subprocess.run(
        [str(venv / "bin" / "anysnake2"), "check"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env=_env(),
    )
    _assert_checked(result, folder)


def test_uv_run_way_installs_the_pinned_version(tmp_path: Path, wheel_dir: Path) -> None:
    folder = _project_folder(tmp_path)
    result = subprocess.run(
        [
            str(UV),
            "run",
            "--no-project",
            "--python",
            sys.executable,
            "--find-links",
            str(wheel_dir),
            "anysnake2.py",
            "check",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env=_env(UV_CACHE_DIR=str(tmp_path / "uv-cache")),
    )
    _assert_checked(result, folder)
    assert str(REPO) not in result.stderr  # the installed wheel ran, not this checkout


# -- convert --------------------------------------------------------------------------------


def _cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=folder, env=_env())


def test_convert_both_ways(tmp_path: Path) -> None:
    from anysnake2.config_load import load_python_config
    from anysnake2.toml_compat.reader import read_project

    toml_dir = tmp_path / "t"
    PROJECT.write(toml_dir)
    result = _cli(toml_dir, "convert", "--to", "python")
    assert result.returncode == 0, result.stderr
    py_dir = tmp_path / "p"
    py_dir.mkdir()
    (py_dir / "anysnake2.py").write_text(result.stdout)
    assert load_python_config(py_dir / "anysnake2.py") == PROJECT.model

    result = _cli(py_dir, "convert", "--to", "toml", "-o", "out.toml")
    assert result.returncode == 0, result.stderr
    assert read_project(py_dir / "out.toml") == PROJECT.model

    result = _cli(py_dir, "convert", "--to", "toml", "-o", "out.toml")
    assert (
        result.returncode == 64 and "exists already" in result.stderr and "--force" in result.stderr
    )
    (py_dir / "out.toml").write_text("stale")
    result = _cli(py_dir, "convert", "--to=toml", "-o", "out.toml", "--force")
    assert result.returncode == 0 and read_project(py_dir / "out.toml") == PROJECT.model

    result = _cli(py_dir, "convert")
    assert result.returncode == 64 and "--to python or --to toml" in result.stderr


def test_cli_reports_a_broken_py_config_with_65(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.py").write_text("x = 1\n")
    result = _cli(tmp_path, "check")
    assert result.returncode == 65 and "defines no module-level `project`" in result.stderr
    (tmp_path / "anysnake2.py").write_text("import json\njson.loads('{')\n")
    result = _cli(tmp_path, "check")
    assert result.returncode == 65 and "JSONDecodeError" in result.stderr
    assert "Traceback" not in result.stderr and "importlib" not in result.stderr
