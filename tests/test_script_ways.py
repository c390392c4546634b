"""Every way into an anysnake2.py, in fresh virtual environments made here.

The same generated anysnake2.py (importing a sibling module, `common.py`) runs `check` and
`--offline build flake` through `python anysnake2.py`, `python -P anysnake2.py` and
`anysnake2 -c anysnake2.py`, in a regular install (a wheel of this checkout), a setuptools
editable install (its finder sits after the path finder in sys.meta_path) and a
hatchling editable install (a .pth file), and through `uv run [--script] anysnake2.py`
with the wheel found by `--find-links`. Each is a subprocess with no PYTHONPATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from anysnake2 import Project

REPO = Path(__file__).resolve().parent.parent
UV = REPO / ".venv" / "bin" / "uv"
INSTALLS = ("regular", "editable-setuptools", "editable-hatchling")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.pop("TMUX", None)
    env.pop("ANYSNAKE2_OFFLINE", None)
    env.update(extra)
    return env


def _copy_checkout(target: Path, backend: str = "setuptools") -> Path:
    """The package and its pyproject.toml (hatchling's build-system when asked)."""
    shutil.copytree(
        REPO / "anysnake2", target / "anysnake2", ignore=shutil.ignore_patterns("__pycache__")
    )
    text = (REPO / "pyproject.toml").read_text()
    if backend == "hatchling":
        _, _, rest = text.partition("[project]")
        text = (
            '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
            '[tool.hatch.build.targets.wheel]\npackages = ["anysnake2"]\n\n[project]' + rest
        )
    (target / "pyproject.toml").write_text(text)
    (target / "README.md").write_text("anysnake2\n")
    return target


@pytest.fixture(scope="session")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout (built from a copy: the checkout stays clean)."""
    source = _copy_checkout(tmp_path_factory.mktemp("wheel-src"))
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [str(UV), "build", "--wheel", "--quiet", "-o", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    assert len(list(out.glob("anysnake2-*.whl"))) == 1
    return out


def _make_venv(base: Path, kind: str, wheel: Path) -> Path:
    venv = base / "venv"
    made = [str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)]
    subprocess.run(made, check=True, env=_env())
    # uv's installer (its cache makes it quick); the editable installs are made by the
    # build backends themselves (PEP 660), as with pip
    pip = [str(UV), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
    if kind == "regular":
        target = [str(wheel)]
    else:
        source = _copy_checkout(base / "src", kind.split("-")[1])
        target = ["-e", str(source)]
    proc = subprocess.run(pip + target, env=_env(), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return venv


@pytest.fixture(scope="session")
def venvs(tmp_path_factory: pytest.TempPathFactory, wheel_dir: Path) -> dict[str, Path]:
    """One fresh venv per kind of install, made side by side (uv against PyPI)."""
    (wheel,) = wheel_dir.glob("anysnake2-*.whl")
    bases = {kind: tmp_path_factory.mktemp(kind) for kind in INSTALLS}
    with ThreadPoolExecutor(len(INSTALLS)) as pool:
        futures = {kind: pool.submit(_make_venv, bases[kind], kind, wheel) for kind in INSTALLS}
        return {kind: future.result() for kind, future in futures.items()}


def _site_packages(venv: Path) -> Path:
    (site,) = venv.glob("lib/python3*/site-packages")
    return site


def test_the_installs_are_what_they_claim(venvs: dict[str, Path], tmp_path: Path) -> None:
    """The editable installs really use a finder / a .pth; the regular one site-packages."""
    site = _site_packages(venvs["editable-setuptools"])
    assert list(site.glob("__editable___anysnake2*_finder.py"))
    site = _site_packages(venvs["editable-hatchling"])
    assert any("src" in p.read_text() for p in site.glob("*anysnake2*.pth"))
    for kind, venv in venvs.items():
        where = subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import anysnake2; print(anysnake2.__file__)"],
            cwd=tmp_path,
            env=_env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        inside = where.startswith(str(_site_packages(venv)))
        assert inside == (kind == "regular"), (kind, where)
        assert not where.startswith(str(REPO))


def test_the_installed_package_renders_a_flake(
    venvs: dict[str, Path], wheel_dir: Path, tmp_path: Path
) -> None:
    """The flake template ships in the wheel, and every install renders a flake with it."""
    (wheel,) = wheel_dir.glob("anysnake2-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    for template in ("flake.nix.j2", "backend_helpers.nix"):
        assert f"anysnake2/render/templates/{template}" in names
    code = (
        "from pathlib import Path; from anysnake2 import _log; _log.set_verbosity(0); "
        "from anysnake2.model import Project, Python; "
        "from anysnake2.render.flake import render_flake; "
        "from anysnake2.render.resolution import Resolution; "
        "project = Project(python=Python(version='3.12')); "
        "resolution = Resolution(build_requires={'foo': ('setuptools',)}); "
        "print(render_flake(project, resolution, root=Path('/p')).flake_nix, end='')"
    )
    expected = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert expected.startswith("# Generated by anysnake2") and "fromCheckout = drv:" in expected
    for kind, venv in venvs.items():
        proc = subprocess.run(
            [str(venv / "bin" / "python"), "-c", code],
            cwd=tmp_path,
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, (kind, proc.stderr)
        assert proc.stdout == expected, kind


def _project_folder(tmp_path: Path, nixpkgs: dict[str, str], find_links: str | None = None) -> Path:
    """A generated anysnake2.py that takes its volume and env from a sibling module."""
    folder = tmp_path / "analysis"
    folder.mkdir()
    (folder / "common.py").write_text(
        "def shared(p):\n    return p.volume('.', '/project').env(FROM_COMMON='1')\n"
    )
    project = (
        Project()
        .anysnake2("0.1.0", find_links=find_links)
        .nixpkgs(nixpkgs["rev"], url=nixpkgs["url"], packages=["hello"])
        .container(runtime="bwrap")
        .cmd("default", "hello")
    )
    text = project.to_python()
    footer = '\nif __name__ == "__main__":\n    project.main()\n'
    assert text.endswith(footer)
    text = text[: -len(footer)] + "\nfrom common import shared\n\nproject = shared(project)\n"
    (folder / "anysnake2.py").write_text(text + footer)
    return folder


def _assert_both_commands(run: list[str], folder: Path, env: dict[str, str], rev: str) -> None:
    checked = subprocess.run(
        [*run, "check"], cwd=folder, env=env, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{folder / 'anysnake2.py'}: ok" in checked.stdout
    assert "1 volume" in checked.stdout  # the sibling module was imported
    built = subprocess.run(
        [*run, "--offline", "build", "flake"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    flake = (folder / ".anysnake2_flake" / "flake.nix").read_text()
    assert rev in flake and "hello" in flake


WAYS = {
    "python": ["python", "anysnake2.py"],
    "python -P": ["python", "-P", "anysnake2.py"],
    "anysnake2 -c": ["anysnake2", "-c", "anysnake2.py"],
}


@pytest.mark.parametrize("install", INSTALLS)
@pytest.mark.parametrize("way", sorted(WAYS))
def test_way_in_an_install(
    install: str,
    way: str,
    venvs: dict[str, Path],
    nixpkgs: dict[str, str],
    tmp_path: Path,
) -> None:
    folder = _project_folder(tmp_path, nixpkgs)
    program, *rest = WAYS[way]
    run = [str(venvs[install] / "bin" / program), *rest]
    _assert_both_commands(run, folder, _env(), nixpkgs["rev"])


@pytest.fixture(scope="session")
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uv-cache")


@pytest.mark.parametrize("script", [False, True], ids=["uv run", "uv run --script"])
def test_uv_run_finds_the_wheel(
    script: bool, wheel_dir: Path, uv_cache: Path, nixpkgs: dict[str, str], tmp_path: Path
) -> None:
    folder = _project_folder(tmp_path, nixpkgs)
    run = [str(UV), "run", "--no-project", "--python", sys.executable, "--quiet"]
    run += ["--find-links", str(wheel_dir), *(["--script"] if script else []), "anysnake2.py"]
    _assert_both_commands(run, folder, _env(UV_CACHE_DIR=str(uv_cache)), nixpkgs["rev"])


def test_uv_run_finds_the_wheel_where_the_project_says(
    wheel_dir: Path, uv_cache: Path, nixpkgs: dict[str, str], tmp_path: Path
) -> None:
    """`[anysnake2] find_links` becomes the header's `[tool.uv] find-links`: plain
    `uv run anysnake2.py` installs the tool from there, with no option given."""
    folder = _project_folder(tmp_path, nixpkgs, find_links=str(wheel_dir))
    header = (folder / "anysnake2.py").read_text().split("# ///\n")[0]
    assert f'# [tool.uv]\n# find-links = ["{wheel_dir}"]' in header
    run = [str(UV), "run", "--no-project", "--python", sys.executable, "--quiet", "anysnake2.py"]
    _assert_both_commands(run, folder, _env(UV_CACHE_DIR=str(uv_cache)), nixpkgs["rev"])


@pytest.mark.parametrize("install", ["regular", "editable-setuptools"])
def test_a_script_beside_anysnake2_py_gets_the_package(
    install: str, venvs: dict[str, Path], nixpkgs: dict[str, str], tmp_path: Path
) -> None:
    """`make_projects.py` next to anysnake2.py imports the file in the package's place;
    the header hands over to the package."""
    folder = _project_folder(tmp_path, nixpkgs)
    (folder / "make_projects.py").write_text(
        "import anysnake2\nfrom anysnake2 import Project\n"
        "print(anysnake2.__file__)\n"
        "Project().rust('1.80').write('made')\n"
    )
    proc = subprocess.run(
        [str(venvs[install] / "bin" / "python"), "make_projects.py"],
        cwd=folder,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith(os.path.join("anysnake2", "__init__.py"))
    assert 'version = "1.80"' in (folder / "made" / "anysnake2.toml").read_text()


def test_the_old_header_fails_in_an_editable_install(
    venvs: dict[str, Path], nixpkgs: dict[str, str], tmp_path: Path
) -> None:
    """Why the header is what it is: moving the folder last is not enough (the editable
    finder comes after the path finder)."""
    folder = _project_folder(tmp_path, nixpkgs)
    script = folder / "anysnake2.py"
    text = script.read_text()
    start = text.index('if __name__ in ("__main__", "anysnake2"):')
    end = text.index("from anysnake2 import Project")
    old = 'if __name__ == "__main__":\n    sys.path.append(sys.path.pop(0))\n\n'
    script.write_text(text[:start] + old + text[end:])
    python = str(venvs["editable-setuptools"] / "bin" / "python")
    proc = subprocess.run(
        [python, "anysnake2.py", "check"],
        cwd=folder,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0 and "partially initialized module 'anysnake2'" in proc.stderr
