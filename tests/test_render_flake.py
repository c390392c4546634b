"""render_flake: every loadable original config parses; goldens; determinism; pinning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ORIGINAL_CONFIGS

from anysnake2.errors import AnysnakeError, ConfigError
from anysnake2.model import (
    DevShell,
    Flake,
    Input,
    Nixpkgs,
    Project,
    Python,
    PythonPackage,
    R,
    Rust,
)
from anysnake2.render.flake import render_flake
from anysnake2.render.inputs import flake_url
from anysnake2.render.resolution import Resolution
from anysnake2.toml_compat.reader import read_project

REPO = Path(__file__).resolve().parents[1]
CONFIGS = ORIGINAL_CONFIGS
GOLDEN = Path(__file__).parent / "resources" / "render"
SHA = "0123456789abcdef0123456789abcdef01234567"
SHA2 = "89abcdef0123456789abcdef0123456789abcdef"
ROOT = Path("/project")


def parse(text: str) -> None:
    proc = subprocess.run(
        ["nix-instantiate", "--parse", "-"], check=False, input=text, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def ours() -> Project:
    """A project of our own format using every section the renderer knows."""
    return Project(
        nixpkgs=Nixpkgs(
            url="github:NixOS/nixpkgs",
            rev="24.05",
            packages=("fish", 'rust-bin.nightly."2020-01-01".default', "evcxr"),
            allow_unfree=True,
            permitted_insecure_packages=("openssl-1.1.1w", 'odd"name${x}'),
            overlay="final: prev: { lzma = final.xz; }",
        ),
        python=Python(
            version="3.11",
            prefer_wheels=False,
            packages={
                "jupyterlab": PythonPackage("jupyterlab"),
                "Session_Info": PythonPackage(
                    "Session_Info",
                    override_attrs={"postInstall": "''\n  touch $out/worked\n''"},
                    build_systems=("setuptools", "wheel"),
                ),
            },
        ),
        r=R(packages=("IRkernel", "data.table"), date="2024-05-10", use_inside_nix_pkgs=False),
        rust=Rust(version="1.80.0"),
        flakes={
            "hello": Flake(
                "hello", "github:TyberiusPrime/hello_flake", rev=SHA, follows=("nixpkgs",)
            ),
            "local": Flake(
                "local", "$ANYSNAKE_ROOT/flakes/local", packages=("packages.x86_64-linux.tool",)
            ),
            "none": Flake(
                "none", "git+https://example.com/none.git", ref="main", rev=SHA2, packages=()
            ),
        },
        inputs={"uv2nix": Input(rev=SHA2)},
        dev_shell=DevShell(inputs=("cowsay",)),
    )


@pytest.mark.needs_shared
def test_every_original_config_that_loads_renders_a_flake_that_parses() -> None:
    rendered = 0
    for path in sorted(CONFIGS.glob("*.toml")):
        try:
            project = read_project(path)
        except ConfigError:
            continue  # a deliberate rejection by the reader (mach-nix code and the like)
        parse(render_flake(project, Resolution(), root=ROOT).flake_nix)
        rendered += 1
    assert rendered >= 37


@pytest.mark.parametrize(
    ("golden", "source"),
    [
        pytest.param("1.15.5__dev.nix", "1.15.5__dev.toml", marks=pytest.mark.needs_shared),
        pytest.param("2.3.6__full.nix", "2.3.6__full.toml", marks=pytest.mark.needs_shared),
        ("ours.nix", None),
    ],
)
def test_golden_flakes(golden: str, source: str | None) -> None:
    project = ours() if source is None else read_project(CONFIGS / source)
    resolution = Resolution(revisions={"nixpkgs": SHA})
    text = render_flake(project, resolution, root=ROOT).flake_nix
    parse(text)
    path = GOLDEN / golden
    if os.environ.get("ANYSNAKE2_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{golden} changed; set ANYSNAKE2_UPDATE_GOLDEN=1 to accept"


def test_same_bytes_twice_and_from_another_checkout() -> None:
    project = ours()
    first = render_flake(project, Resolution(), root=ROOT).flake_nix
    assert render_flake(project, Resolution(), root=ROOT).flake_nix == first
    other = render_flake(project, Resolution(), root=Path("/elsewhere/checkout")).flake_nix
    differing = [
        (a, b) for a, b in zip(first.splitlines(), other.splitlines(), strict=True) if a != b
    ]
    assert differing == [
        ('      url = "/project/flakes/local";', '      url = "/elsewhere/checkout/flakes/local";')
    ]


def test_same_bytes_under_other_hash_seeds() -> None:
    code = (
        "import sys; sys.path.insert(0, 'tests'); from pathlib import Path; "
        "from test_render_flake import ours; from anysnake2 import _log; _log.set_verbosity(0); "
        "from anysnake2.render.flake import render_flake; "
        "from anysnake2.render.resolution import Resolution; "
        "sys.stdout.write(render_flake(ours(), Resolution(), root=Path('/p')).flake_nix)"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


def test_tag_is_rendered_as_ref_with_a_warning_until_resolved(
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = Project(nixpkgs=Nixpkgs(url="github:NixOS/nixpkgs", rev="24.05"))
    result = render_flake(project, Resolution(offline=True), root=ROOT)
    assert 'url = "github:NixOS/nixpkgs?ref=24.05";' in result.flake_nix
    assert "not fully pinned" in result.warnings[0]
    assert "not fully pinned" in capsys.readouterr().err
    resolved = render_flake(project, Resolution(revisions={"nixpkgs": SHA}), root=ROOT)
    assert f'url = "github:NixOS/nixpkgs/{SHA}";' in resolved.flake_nix
    assert resolved.warnings == ()


@pytest.mark.parametrize(
    ("url", "kwargs", "expected"),
    [
        ("github:NixOS/nixpkgs/master/24.11", {}, "github:NixOS/nixpkgs?ref=24.11"),
        (f"github:NixOS/nixpkgs/master/{SHA}", {}, f"github:NixOS/nixpkgs/{SHA}"),
        (f"github:o/r//{SHA}", {}, f"github:o/r/{SHA}"),
        (
            "github:/IMTMarburg/flakes?dir=STAR",
            {"rev": SHA},
            f"github:IMTMarburg/flakes/{SHA}?dir=STAR",
        ),
        ("github:o/r", {"rev": SHA, "dir": "sub dir"}, f"github:o/r/{SHA}?dir=sub dir"),
        (
            "git+https://h/r.git",
            {"rev": SHA, "ref": "main"},
            f"git+https://h/r.git?ref=main&rev={SHA}",
        ),
        ("git+https://h/r.git?ref=main", {"rev": "v1.0"}, "git+https://h/r.git?ref=v1.0"),
        ("git+https://h/r.git", {"rev": "v1.0"}, "git+https://h/r.git?ref=v1.0"),
        (f"hg+https://h/r?rev={SHA}", {}, f"hg+https://h/r?rev={SHA}"),
        ("$ANYSNAKE_ROOT/sub", {}, "/project/sub"),
        ("$ANYSNAKE2_ROOT/sub/", {"rev": SHA}, f"git+file:///project/sub?rev={SHA}"),
        ("https://example.com/x.tar.gz", {}, "https://example.com/x.tar.gz"),
    ],
)
def test_flake_url_forms(url: str, kwargs: dict, expected: str) -> None:
    assert flake_url("x", url, root=ROOT, **kwargs).url == expected


def test_resolved_revision_beats_the_configured_tag() -> None:
    rendered = flake_url("x", "github:o/r/main/v1.0", resolved=SHA, root=ROOT)
    assert rendered == type(rendered)(f"github:o/r/{SHA}", None)


def test_flake_packages_default_none_and_listed() -> None:
    text = render_flake(ours(), Resolution(), root=ROOT).flake_nix
    assert (
        "(inputs.hello.packages.${system}.default or inputs.hello.defaultPackage.${system})" in text
    )
    assert "inputs.local.packages.x86_64-linux.tool" in text
    assert "inputs.none." not in text
    assert 'inputs.nixpkgs.follows = "nixpkgs";' in text


def test_config_strings_are_escaped_and_nix_code_is_verbatim() -> None:
    text = render_flake(ours(), Resolution(), root=ROOT).flake_nix
    assert 'permittedInsecurePackages = [ "openssl-1.1.1w" "odd\\"name\\${x}" ];' in text
    assert 'pkgs.rust-bin.nightly."2020-01-01".default' in text
    assert "(final: prev: { lzma = final.xz; })" in text
    assert 'sourcePreference = "sdist";' in text
    assert "inputs.build-system-pkgs.overlays.sdist" in text
    assert "session-info = prev.session-info.overrideAttrs" in text
    assert "final.resolveBuildSystem { setuptools = [ ]; wheel = [ ]; }" in text
    assert "pkgs.python311" in text
    assert "nix_pkgs_pkgs = null;" in text
    assert 'r_pkg_names = [ "IRkernel" "data.table" ];' in text
    assert (
        'pkgs.rust-bin.stable."1.80.0".minimal.override { extensions = [ "rustfmt" "clippy" "rust-src" ]; }'
        in text
    )
    assert "IRkernel/kernelspec" in text and "evcxr_jupyter --install" in text
    assert "packages = [ pkgs.cowsay ];" in text


def test_packages_always_include_the_base_set_in_order() -> None:
    text = render_flake(Project(), Resolution(), root=ROOT).flake_nix
    parse(text)
    base = (
        text.index("pkgs.coreutils"),
        text.index("pkgs.bashInteractive"),
        text.index("pkgs.cacert"),
    )
    assert list(base) == sorted(base)
    inputs = text.split("inputs = {")[1].split("outputs =")[0]
    assert "flake-utils" not in inputs and "nixpkgs" in inputs


def test_flake_name_taken_by_a_helper_input_is_a_config_error() -> None:
    # refused where the value is made (the model), so `check` refuses it too
    with pytest.raises(ConfigError, match="taken by an input"):
        Project(flakes={"uv2nix": Flake("uv2nix", "github:o/r", rev=SHA)})


def test_path_urls_never_reach_a_flake() -> None:
    with pytest.raises(AnysnakeError, match="path:"):
        Flake("x", "path:/somewhere")


LOCK = """\
version = 1
revision = 3
requires-python = "==3.12.*"

[[package]]
name = "anysnake2-env"
version = "0"
source = { virtual = "." }

[[package]]
name = "from-git"
version = "1.0"
source = { git = "https://example.com/x.git?rev=abc#0123456789abcdef0123456789abcdef01234567" }

[[package]]
name = "local"
version = "1.0"
source = { directory = "sources/hg/local-1" }

[[package]]
name = "sdist-only"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/s/sdist-only-1.0.tar.gz", hash = "sha256:00" }

[[package]]
name = "both"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/s/both-1.0.tar.gz", hash = "sha256:00" }
wheels = [{ url = "https://files.pythonhosted.org/s/both-1.0-py3-none-any.whl", hash = "sha256:00" }]

[[package]]
name = "setuptools"
version = "70.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/s/setuptools-70.0.tar.gz", hash = "sha256:00" }
"""


def test_build_requires_names_what_uv2nix_builds_without_a_backend() -> None:
    from anysnake2.build_systems import FALLBACK, GIT, build_requires

    assert build_requires(LOCK) == {"from-git": GIT, "sdist-only": FALLBACK}
    assert build_requires(LOCK, prefer_wheels=False) == {
        "both": FALLBACK,
        "from-git": GIT,
        "sdist-only": FALLBACK,
    }


def test_build_backends_are_rendered_for_the_resolution_packages() -> None:
    from anysnake2.build_systems import build_requires

    project = Project(nixpkgs=Nixpkgs(rev=SHA), python=Python(version="3.12"))
    text = render_flake(
        project, Resolution(build_requires=build_requires(LOCK)), root=ROOT
    ).flake_nix
    parse(text)
    assert 'from-git = withBackend "from-git" (fromCheckout prev.from-git);' in text
    assert 'sdist-only = withBackend "sdist-only" { setuptools = [ ]; wheel = [ ]; };' in text
    order = ["pythonOverlay\n", "pythonBuildSystems\n", ".overrides pkgs)", "pythonOverrides\n"]
    positions = [text.index(part, text.index("composeManyExtensions")) for part in order]
    assert positions == sorted(positions)


def test_override_collection_section_pins_the_collection(tmp_path: Path) -> None:
    config = tmp_path / "anysnake2.toml"
    config.write_text(
        '[anysnake2]\nurl2 = "dev"\n[python]\nversion = "3.12"\n[python.packages]\n'
        "[uv2nix_override_collection]\n"
        f'url = "github:TyberiusPrime/uv2nix_hammer_overrides/main/{SHA2}"\n'
    )
    project = read_project(config)
    assert not [w for w in project.warnings if "uv2nix_override_collection" in str(w)]
    text = render_flake(project, Resolution(), root=ROOT).flake_nix
    assert f'url = "github:TyberiusPrime/uv2nix_hammer_overrides/{SHA2}";' in text
    default = render_flake(ours(), Resolution(), root=ROOT).flake_nix
    assert (
        "github:TyberiusPrime/uv2nix_hammer_overrides/efc9f213860490692e27f0854e26b8ac62acfff3"
        in (default)
    )


def test_rpy2_is_built_against_the_tracked_r() -> None:
    text = render_flake(ours(), Resolution(), root=ROOT).flake_nix
    assert 'R_HOME = "${R_tracked}";' in text
    assert "/lib/R" not in text.split("R_HOME", 1)[1].split("\n", 1)[0]
    for lib in ("bzip2", "xz", "zlib", "icu", "libdeflate"):
        assert f"-L${{pkgs.lib.getLib pkgs.{lib}}}/lib" in text
    assert "final.resolveBuildSystem { setuptools = [ ]; cffi = [ ]; }" in text
    without_r = render_flake(ours().replace(r=None), Resolution(), root=ROOT).flake_nix
    assert "R_HOME" not in without_r


def _sdist(files: dict[str, str], kind: str) -> bytes:
    import io
    import tarfile
    import zipfile

    buffer = io.BytesIO()
    if kind == "zip":
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, text in files.items():
                archive.writestr(name, text)
    else:
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for name, text in files.items():
                data = text.encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["tar.gz", "zip"])
def test_sdist_backend_is_read_from_its_top_pyproject(kind: str) -> None:
    from anysnake2.build_systems import FALLBACK, archive_build_requires

    hatch = '[build-system]\nrequires = ["hatchling", "Setuptools_SCM[toml]>=6"]\n'
    files = {"x-1.0/pyproject.toml": hatch, "x-1.0/tests/pyproject.toml": "[build-system]\n"}
    assert archive_build_requires(_sdist(files, kind), f"x-1.0.{kind}") == (
        "hatchling",
        "Setuptools_SCM[toml]>=6",
    )
    no_table = {"x-1.0/pyproject.toml": "[tool.black]\n", "x-1.0/setup.py": ""}
    assert archive_build_requires(_sdist(no_table, kind), f"x.{kind}") == FALLBACK
    assert archive_build_requires(_sdist({"x-1.0/setup.py": ""}, kind), f"x.{kind}") == FALLBACK


def test_sdist_backend_from_the_resolution_is_rendered_by_name() -> None:
    from anysnake2.build_systems import build_requires

    known = {"sha256:00": ("hatchling>=1", "Setuptools_SCM[toml]>=6", "wheel; python_version<'3'")}
    requires = build_requires(LOCK, sdist_requires=known)
    assert requires["sdist-only"] == known["sha256:00"]
    project = Project(nixpkgs=Nixpkgs(rev=SHA), python=Python(version="3.12"))
    text = render_flake(project, Resolution(build_requires=requires), root=ROOT).flake_nix
    assert (
        'sdist-only = withBackend "sdist-only" '
        "{ hatchling = [ ]; setuptools-scm = [ ]; wheel = [ ]; };" in text
    )
