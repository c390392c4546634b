"""Hostile configs (issue 21): no traceback, a sysexit, and the file and line of the cause."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli_frame import anysnake2


def _write(root: Path, data: str | bytes) -> Path:
    path = root / "anysnake2.toml"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


def _refused(proc, line: int, column: int | None = None) -> None:
    assert proc.returncode == 65, proc.stderr
    assert "Traceback" not in proc.stderr
    where = f"anysnake2.toml:{line}" + (f":{column}:" if column else ":")
    assert where in proc.stderr, proc.stderr


# -- 1: the config read as bytes once ---------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "build", "version", "convert"])
def test_a_config_that_is_not_utf8_names_line_and_column(tmp_path: Path, command: str) -> None:
    root = _write(tmp_path, b'[anysnake2]\nversion = "dev"\n[nixpkgs]\nrev = "a\xe9"\n')
    args = [command, "--to", "python"] if command == "convert" else [command]
    proc = anysnake2(*args, cwd=root)
    if command == "version":  # needs no config: it must not crash on it either
        assert proc.returncode == 0, proc.stderr
        return
    _refused(proc, 4, 9)
    assert "not UTF-8" in proc.stderr


# -- 2: the anysnake2 version, before any restart ---------------------------------------------


@pytest.mark.parametrize("version", ["banana", "\\u0000", "\\u202e1.0", "1.0\\u0000"])
@pytest.mark.parametrize("command", ["check", "build", "lock"])
def test_a_version_that_is_not_one_is_65_before_any_restart(
    tmp_path: Path, version: str, command: str
) -> None:
    root = _write(tmp_path, f'[anysnake2]\nversion = "{version}"\nfind_links = "{tmp_path}"\n')
    proc = anysnake2(command, cwd=root)
    _refused(proc, 2)
    assert "restarting" not in proc.stderr


@pytest.mark.parametrize(
    "command",
    [["check"], ["version"], ["convert", "--to", "python"], ["config", "minimal"], ["help"]],
)
def test_reading_commands_never_restart(tmp_path: Path, command: list[str]) -> None:
    root = _write(
        tmp_path,
        f'[anysnake2]\nversion = "9.9.9"\nfind_links = "{tmp_path}"\n'
        '[nixpkgs]\nurl = "github:NixOS/nixpkgs"\nrev = "' + "a" * 40 + '"\n',
    )
    proc = anysnake2(*command, cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "restarting" not in proc.stderr
    if command == ["check"]:
        assert "the project pins anysnake2 9.9.9; checked with anysnake2" in proc.stderr


@pytest.mark.parametrize("key", ["find_links", "index_url"])
def test_a_nul_in_a_version_source_is_65(tmp_path: Path, key: str) -> None:
    root = _write(tmp_path, f'[anysnake2]\nversion = "9.9.9"\n{key} = "/x\\u0000"\n')
    _refused(anysnake2("build", cwd=root), 3)


# -- 3: Nix code parse-checked at its config line ---------------------------------------------

REV = 'rev = "' + "a" * 40 + '"\n'
NIXPKGS = '[anysnake2]\nversion = "dev"\n[nixpkgs]\n' + REV


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ('packages = [\n  "bash",\n  "${",\n]\n', 7),
        ('packages = ["s`"]\n', 5),
        ('overlay = "x"\n', 5),
        ('packages = ["fish"]\n[dev_shell]\ninputs = ["(("]\n', 7),
        ('[flakes.hello]\nurl = "github:a/b"\n' + REV + 'packages = ["${x"]\n', 8),
        (
            '[R]\ndate = "2024-01-01"\npackages = ["a"]\n[R.dependency_overrides]\nfoo = "[ a b"\n',
            9,
        ),
        ('[R]\ndate = "2024-01-01"\npackages = ["a"]\n[R.override_attrs]\nfoo = "old: {"\n', 9),
    ],
)
def test_nix_code_that_does_not_parse_is_65_at_its_line(
    tmp_path: Path, body: str, line: int
) -> None:
    root = _write(tmp_path, NIXPKGS + body)
    for command in (["check"], ["build", "flake"]):
        proc = anysnake2(*command, cwd=root)
        _refused(proc, line)
        assert "is not valid Nix code" in proc.stderr
    assert not (root / ".anysnake2_flake" / "flake.nix").exists()


def test_valid_nix_code_and_comments_render_a_flake_that_parses(tmp_path: Path) -> None:
    import subprocess

    from anysnake2.pipeline import check_project
    from anysnake2.render.flake import render_flake
    from anysnake2.render.resolution import Resolution
    from anysnake2.toml_compat.reader import read_project

    root = _write(
        tmp_path,
        NIXPKGS
        + 'packages = ["fish", "python3.withPackages (ps: [ ps.numpy ]) # a comment"]\n'
        + 'overlay = "final: prev: { } # mine"\n'
        + '[dev_shell]\ninputs = ["hello # c"]\n',
    )
    project = read_project(root / "anysnake2.toml")
    check_project(project, root / "anysnake2.toml")
    text = render_flake(project, Resolution(), root=root).flake_nix
    proc = subprocess.run(
        ["nix-instantiate", "--parse", "-"], input=text, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_a_flake_that_does_not_parse_is_never_reported_built(tmp_path: Path) -> None:
    from anysnake2.errors import FailureError
    from anysnake2.runtime.nix_check import check_rendered_flake

    with pytest.raises(FailureError, match="does not parse"):
        check_rendered_flake("{ x = ", tmp_path / "flake.nix")
    check_rendered_flake("{ x = 1; }", tmp_path / "flake.nix")


# -- 4: nothing written outside the project ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ('[clones."../../x"]\na = "git+https://example.com/a"\n', 5),
        ('[clones.code]\n"../a" = "git+https://example.com/a"\n', 6),
        ('[clones.code]\n".." = "git+https://example.com/a"\n', 6),
        ('[python]\nversion = "3.12"\n[python.packages]\ndppd = { editable = "../../x" }\n', 8),
        ('[container]\nhome = "../elsewhere"\n', 6),
        ('[container]\nhome = "a/../../b"\n', 6),
    ],
)
def test_paths_leaving_the_project_are_65(tmp_path: Path, body: str, line: int) -> None:
    root = tmp_path / "project"
    root.mkdir()
    _write(root, NIXPKGS + body)
    proc = anysnake2("check", cwd=root)
    _refused(proc, line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]


def test_an_absolute_home_is_allowed(tmp_path: Path) -> None:
    root = _write(tmp_path, NIXPKGS + '[container]\nhome = "/tmp/somewhere"\n')
    assert anysnake2("check", cwd=root).returncode == 0


def test_a_symlink_pointing_out_of_the_project_is_refused(tmp_path: Path) -> None:
    from anysnake2.errors import ConfigError
    from anysnake2.model import Project
    from anysnake2.runtime.clones import perform_clones

    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "project"
    root.mkdir()
    (root / "code").symlink_to(outside)
    source = tmp_path / "src"
    source.mkdir()
    (source / "f").write_text("x")
    project = Project(clones={"code": {"a": f"file://{source}"}})
    with pytest.raises(ConfigError, match="outside the project folder"):
        perform_clones(project, root)
    assert list(outside.iterdir()) == []


def test_a_relative_home_symlinked_out_is_refused(tmp_path: Path) -> None:
    from anysnake2.errors import ConfigError
    from anysnake2.model import Container, Project
    from anysnake2.runtime.run import resolve_home

    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "project"
    root.mkdir()
    (root / "link").symlink_to(outside)
    project = Project(container=Container(home="link/home"))
    with pytest.raises(ConfigError, match="outside the project folder"):
        resolve_home(project, root, {})
    assert not (outside / "home").exists()


# -- 5: generated TOML written by tomlkit -----------------------------------------------------


def test_a_quote_and_newline_in_a_package_spec_add_no_key() -> None:
    import tomllib

    from anysnake2.model import Project, Python, PythonPackage
    from anysnake2.resolve.python_lock import lock_input
    from anysnake2.sources import parse_source

    hostile = 'https://example.org/x"\n[evil]\nkey = "1'
    packages = {
        "a": PythonPackage("a", source=parse_source("https://example.org/a.tar.gz")),
        "b": PythonPackage("b", source=parse_source('git+https://example.org/b?ref=x"\ny=1')),
        "c": PythonPackage("c", source=parse_source(hostile + ".tar.gz")),
    }
    spec = lock_input(Project(python=Python("3.12", "2024-05-01", packages)))
    assert spec is not None
    data = tomllib.loads(spec.pyproject)
    assert sorted(data) == ["project", "tool"]
    assert sorted(data["tool"]["uv"]["sources"]) == ["a", "b", "c"]
    assert data["tool"]["uv"]["sources"]["c"]["url"].startswith(hostile)


# -- 7: rejections with file and line; names; run -- -c ----------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[anysnake2]\nversion = "dev"\nrev = 5\n', 3),
        ('[anysnake2]\nversion = "dev"\nurl = ["x"]\n', 3),
        ("[anysnake2]\nversion = 1.0\n", 2),
    ],
)
def test_anysnake2_keys_of_the_wrong_type(tmp_path: Path, text: str, line: int) -> None:
    for command in (["check"], ["build", "flake"]):
        _refused(anysnake2(*command, cwd=_write(tmp_path, text)), line)


def test_a_triple_quote_in_a_trailing_comment_keeps_later_lines(tmp_path: Path) -> None:
    root = _write(
        tmp_path, NIXPKGS + 'packages = ["fish"] # see """ here\n[python]\nversion = "2.7"\n'
    )
    _refused(anysnake2("check", cwd=root), 7)


def test_a_raw_line_separator_in_a_value_shifts_no_line(tmp_path: Path) -> None:
    root = _write(
        tmp_path, NIXPKGS + '[env]\nA = "x\u2028y\u2029z\x85"\n[python]\nversion = "2.7"\n'
    )
    _refused(anysnake2("check", cwd=root), 8)


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ('[env]\n"A=B" = "x"\n', 6),
        ('[env]\n"A\\u0000" = "x"\n', 6),
        ('[env]\nA = "x\\u0000"\n', 6),
        ('[container.env]\n"=x" = "x"\n', 6),
        ('[python]\nversion = "3.12"\n[python.uv_lock_env]\n"X=Y" = "1"\n', 8),
        ('[clones."' + "a" * 300 + '"]\nb = "git+https://example.com/b"\n', 5),
        ('[clones.code]\n"' + "b" * 300 + '" = "git+https://example.com/b"\n', 6),
        ('[clones.code]\n"b\\u0000" = "git+https://example.com/b"\n', 6),
        ('[container]\nhome = "/' + "h" * 300 + '"\n', 6),
        ('[container]\nhome = "h\\u0000"\n', 6),
        ('[cmd."' + "c" * 300 + '"]\nrun = "true"\n', 5),
        (
            '[python]\nversion = "3.12"\n[python.packages]\ndppd = { editable = "'
            + "e" * 300
            + '" }\n',
            8,
        ),
    ],
)
def test_unusable_names_are_65_with_line(tmp_path: Path, body: str, line: int) -> None:
    _refused(anysnake2("check", cwd=_write(tmp_path, NIXPKGS + body)), line)


def test_a_missing_volume_host_path_names_its_line(tmp_path: Path) -> None:
    from anysnake2.errors import ConfigError
    from anysnake2.runtime.container import resolve_volumes

    config = _write(tmp_path, NIXPKGS + '[container.volumes_ro]\n"nothere" = "/data"\n')
    with pytest.raises(ConfigError) as caught:
        resolve_volumes(
            {"nothere": "/data"},
            tmp_path,
            {},
            kind="volumes_ro",
            config=str(config / "anysnake2.toml"),
        )
    assert caught.value.line == 6 and caught.value.file.endswith("anysnake2.toml")


def test_run_dash_c_runs_dash_c_as_the_program(tmp_path: Path) -> None:
    import os
    import subprocess

    from anysnake2.runtime.scripts import outer_run

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    program = bin_dir / "-c"
    program.write_text('#!/bin/sh\necho "ran -c with $*"\n')
    program.chmod(0o755)
    script = tmp_path / "outer_run.sh"
    script.write_text(outer_run("run", None))
    proc = subprocess.run(
        ["bash", str(script), "-c", "hello"],
        check=False,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ran -c with hello\n"


def test_redaction_of_a_long_url_keeps_working() -> None:
    from anysnake2.runtime.clones import _redact

    url = "git+https://user:secret@example.com/" + "a" * 100_000
    text = f"fatal: could not read {url}\nhttps://tok@host/x"
    clean = _redact(text, url)
    assert "secret" not in clean and "tok@" not in clean and "user:" not in clean
    assert clean.endswith("https://host/x")


def test_nix_code_in_an_anysnake2_py_is_65_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "anysnake2.py").write_text(
        "from anysnake2 import Project\n"
        "\n"
        "project = (\n"
        "    Project()\n"
        '    .anysnake2(version="dev")\n'
        '    .nixpkgs("' + "a" * 40 + '", packages=["fish", "${"])\n'
        ")\n"
    )
    proc = anysnake2("check", cwd=tmp_path)
    assert proc.returncode == 65, proc.stderr
    assert "anysnake2.py:6:" in proc.stderr and "is not valid Nix code" in proc.stderr


def test_locked_with_a_value_not_recorded_names_its_line(tmp_path: Path) -> None:
    root = _write(tmp_path, NIXPKGS + '[R]\npackages = ["ggplot2"]\nrev = "' + "b" * 40 + '"\n')
    _refused(anysnake2("--locked", "check", cwd=root), 5)


def test_locked_without_a_python_lock_names_the_python_section(tmp_path: Path) -> None:
    root = _write(tmp_path, NIXPKGS + '[python]\nversion = "3.12"\necosystem_date = "2024-05-01"\n')
    _refused(anysnake2("--locked", "check", cwd=root), 5)
