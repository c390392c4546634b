"""Compiled extensions of editable packages, built on request (issue 16, 7):
`anysnake2 build editables` runs setuptools' `build_ext --inplace` in the container.

The container is real bwrap over the rootfs of test_editables_container (built with real
nix from the offline package set, plus `/bin/python3`: a symlink to the host's Python,
whose prefix and /lib, /lib64 are bound read-only). The offline set's rootfs has no
compiler, so the host's /usr (gcc, binutils, libc headers) is bound read-only too and
/usr/bin added to PATH; without that bind the same container has no compiler (exit 69).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from test_editables_container import BWRAP, HOST_PREFIX, rootfs  # noqa: F401 (fixture)

from anysnake2.errors import ConfigError, FailureError, ToolUnavailableError, UsageError
from anysnake2.model import Container, Project, Python, PythonPackage
from anysnake2.runtime.editable_build import _check, build_extensions
from anysnake2.runtime.run import run_command

EXT_C = """\
#include <Python.h>
static PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(@N@); }
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ext", NULL, -1, methods};
PyMODINIT_FUNC PyInit__ext(void) { return PyModule_Create(&module); }
"""
SETUP_PY = """\
from setuptools import Extension, setup
setup(name="pkg", version="0.1", packages=["pkg"],
      ext_modules=[Extension("pkg._ext", ["pkg/ext.c"])])
"""
IMPORT = ["python3", "-c", "import pkg._ext as e; print(e.answer(), e.__file__.split('.')[-1])"]


def _project(root: Path, *, compiler: bool = True) -> Project:
    volumes = {HOST_PREFIX: HOST_PREFIX, "/lib": "/lib", "/lib64": "/lib64"}
    if compiler:
        volumes["/usr"] = "/usr"
    return Project(
        python=Python("3.11", packages={"pkg": PythonPackage("pkg", editable="code")}),
        container=Container(home=str(root / "home"), volumes_ro=volumes),
        env={"PATH": "/bin:/usr/bin"} if compiler else {},
    )


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    checkout = root / "code" / "pkg"
    (checkout / "pkg").mkdir(parents=True)
    (checkout / "pkg" / "__init__.py").write_text("")
    (checkout / "pkg" / "ext.c").write_text(EXT_C.replace("@N@", "41"))
    (checkout / "setup.py").write_text(SETUP_PY)
    (root / "home").mkdir()
    return root


def _import(root: Path, rootfs: Path, capfd: pytest.CaptureFixture[str]) -> str:  # noqa: F811
    capfd.readouterr()
    status = run_command(_project(root), root, "run", None, IMPORT, rootfs=rootfs, runtime=BWRAP)
    out = capfd.readouterr()
    assert status == 0, out.err
    return out.out


def test_extension_is_built_in_the_container_and_rebuilt_after_a_change(
    project_dir,
    rootfs,  # noqa: F811
    capfd,
) -> None:
    # before: the editable is installed, its extension is not built
    assert (
        run_command(
            _project(project_dir), project_dir, "run", None, IMPORT, rootfs=rootfs, runtime=BWRAP
        )
        != 0
    )
    assert "No module named 'pkg._ext'" in capfd.readouterr().err

    built = build_extensions(_project(project_dir), project_dir, [], rootfs=rootfs, runtime=BWRAP)
    assert built == ["pkg"]
    assert _import(project_dir, rootfs, capfd) == "41 so\n"
    # built in place, in the user's checkout (as build_ext --inplace leaves it)
    assert list((project_dir / "code" / "pkg" / "pkg").glob("_ext*.so"))

    # an edit some time after the build (setuptools compares whole seconds: an object
    # compiled within the second of the last link is taken as up to date, so the
    # build's products are dated back as if built a minute ago)
    checkout = project_dir / "code" / "pkg"
    for built_file in [*checkout.glob("build/**/*"), *checkout.glob("pkg/_ext*.so")]:
        os.utime(built_file, (os.path.getmtime(built_file) - 60,) * 2)
    (checkout / "pkg" / "ext.c").write_text(EXT_C.replace("@N@", "42"))
    build_extensions(_project(project_dir), project_dir, ["pkg"], rootfs=rootfs, runtime=BWRAP)
    assert _import(project_dir, rootfs, capfd) == "42 so\n"


def test_a_failing_build_exits_70_with_the_compilers_output(project_dir, rootfs) -> None:  # noqa: F811
    (project_dir / "code" / "pkg" / "pkg" / "ext.c").write_text("this is not C;\n")
    with pytest.raises(FailureError) as caught:
        build_extensions(_project(project_dir), project_dir, [], rootfs=rootfs, runtime=BWRAP)
    assert caught.value.exit_code == 70
    assert "building its extensions failed" in caught.value.message
    assert "ext.c" in caught.value.message and "error" in caught.value.message


def test_a_venv_without_setuptools_is_told_what_to_add() -> None:
    output = "Traceback ...\nModuleNotFoundError: No module named 'setuptools'\n"
    with pytest.raises(FailureError) as caught:
        _check("pkg", 1, output)
    assert "No module named 'setuptools'" in caught.value.message
    assert 'setuptools = ""' in (caught.value.hint or "")


def test_no_compiler_in_the_container_exits_69_naming_the_fix(project_dir, rootfs) -> None:  # noqa: F811
    project = _project(project_dir, compiler=False)
    with pytest.raises(ToolUnavailableError) as caught:
        build_extensions(project, project_dir, [], rootfs=rootfs, runtime=BWRAP)
    assert caught.value.exit_code == 69
    assert "no C compiler" in caught.value.message
    assert '"gcc"' in (caught.value.hint or "") and "[nixpkgs]" in (caught.value.hint or "")


def test_unknown_names_and_unknown_backends_are_refused(project_dir, rootfs) -> None:  # noqa: F811
    with pytest.raises(UsageError, match="not an editable python package: nope"):
        build_extensions(_project(project_dir), project_dir, ["nope"], rootfs=rootfs)
    pyproject = project_dir / "code" / "pkg" / "pyproject.toml"
    pyproject.write_text(
        textwrap.dedent(
            """
            [build-system]
            requires = ["meson-python"]
            build-backend = "mesonpy"
            """
        )
    )
    with pytest.raises(ConfigError, match="'mesonpy'") as caught:
        build_extensions(_project(project_dir), project_dir, [], rootfs=rootfs, runtime=BWRAP)
    assert caught.value.file == str(pyproject)
