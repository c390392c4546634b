"""Editable packages (issue 8, item 2, partly): dependencies read for the lock from
requirements.txt, setup.cfg and pyproject.toml; the mounts and console scripts the run
step uses."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from anysnake2.errors import FailureError
from anysnake2.model import Project, Python, PythonPackage
from anysnake2.resolve.editable_deps import editable_requirements, read_dependencies
from anysnake2.runtime.editables import console_scripts, editable_mounts, write_console_scripts


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))


def test_requirements_txt_skips_comments_and_options(tmp_path, capsys):
    write(
        tmp_path / "requirements.txt",
        """
        # a comment
        pandas >= 2.0   # inline comment

        attrs; python_version < "3.8"
        -r other.txt
        requests[socks]==2.31
        """,
    )
    assert read_dependencies(tmp_path) == (
        'attrs; python_version < "3.8"',
        "pandas>=2.0",
        "requests[socks]==2.31",
    )
    assert "-r other.txt" in capsys.readouterr().err


def test_setup_cfg_install_requires(tmp_path):
    write(
        tmp_path / "setup.cfg",
        """
        [metadata]
        name = demo

        [options]
        packages = find:
        install_requires =
            numpy>=1.20
            # not a requirement
            scipy; sys_platform == "linux"
        python_requires = >=3.8
        """,
    )
    assert read_dependencies(tmp_path) == ("numpy>=1.20", 'scipy; sys_platform == "linux"')


def test_pyproject_dependencies_and_union_of_all_three(tmp_path):
    write(
        tmp_path / "pyproject.toml",
        """
        [project]
        name = "demo"
        dependencies = ["click>=8", "numpy>=1.20"]
        [project.optional-dependencies]
        test = ["pytest"]
        """,
    )
    write(tmp_path / "requirements.txt", "numpy>=1.20\nrich\n")
    assert read_dependencies(tmp_path) == ("click>=8", "numpy>=1.20", "rich")


def test_no_metadata_means_no_dependencies(tmp_path):
    write(tmp_path / "pyproject.toml", "[build-system]\nrequires = ['hatchling']\n")
    assert read_dependencies(tmp_path) == ()


def test_bad_requirement_names_the_file(tmp_path):
    write(tmp_path / "requirements.txt", "pandas >>> 2\n")
    with pytest.raises(FailureError, match="requirements.txt.*not a valid requirement"):
        read_dependencies(tmp_path)


def _project(**editables: str) -> Project:
    packages = {n: PythonPackage(n, editable=d) for n, d in editables.items()}
    return Project(python=Python("3.12", packages=packages))


def test_editable_requirements_leave_out_each_other(tmp_path):
    write(tmp_path / "code" / "alpha" / "requirements.txt", "Beta_Pkg>=1\nnumpy\n")
    write(
        tmp_path / "code" / "beta-pkg" / "pyproject.toml",
        '[project]\nname = "beta-pkg"\ndependencies = ["numpy", "pandas>=2"]\n',
    )
    project = _project(alpha="code", **{"beta-pkg": "code"})
    assert editable_requirements(project, tmp_path) == ["numpy", "pandas>=2"]


def test_missing_checkout_is_a_failure_with_a_hint(tmp_path):
    with pytest.raises(FailureError) as caught:
        editable_requirements(_project(gone="code"), tmp_path)
    assert caught.value.exit_code == 70
    assert "code/gone" in caught.value.message and "clones.code" in (caught.value.hint or "")


def test_mounts_and_a_console_script_that_runs(tmp_path):
    checkout = tmp_path / "code" / "demo"
    write(checkout / "src" / "demo" / "__init__.py", "def main():\n    print('hello from demo')\n")
    write(
        checkout / "pyproject.toml",
        '[project]\nname = "demo"\n[project.scripts]\ndemo-hello = "demo:main"\n',
    )
    (mount,) = editable_mounts(_project(demo="code"), tmp_path)
    assert mount.host_path == checkout
    assert mount.container_path == "/anysnake2/editable/demo"
    assert mount.pythonpath_entry == "/anysnake2/editable/demo/src"
    assert mount.path_entry == "/anysnake2/editable_bin/demo"
    assert sorted(p.name for p in mount.scripts_host_path.iterdir()) == ["demo-hello"]
    # The same wrapper, pointed at the host path, runs with a host python3.
    host_bin = tmp_path / "host_bin"
    write_console_scripts(console_scripts(checkout), host_bin, str(checkout / "src"))
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    out = subprocess.run(
        [str(host_bin / "demo-hello")], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout == "hello from demo\n"
