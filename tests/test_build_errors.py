"""Build failures (issue 18): nix's log shown once, a download failure is 75. Real nix."""

from __future__ import annotations

import os
from pathlib import Path

from tests.test_build import anysnake2, spy_path, write_project

__all__ = ["spy_path"]  # the fixture, used by name


def test_a_failed_build_shows_the_log_once(tmp_path, offline_pkgs, spy_path) -> None:
    env, _ = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["failing"])
    proc = anysnake2(root, env, "build", "rootfs")
    assert proc.returncode == 70, proc.stderr
    assert proc.stderr.count("failing: log line 7") == 1, proc.stderr  # streamed, not repeated
    assert "nix build of rootfs failed" in proc.stderr and "its log is above" in proc.stderr
    line = _line_of(root, "packages = ")
    assert f"from [nixpkgs] packages 'failing' (anysnake2.toml:{line}):" in proc.stderr
    log = root / ".anysnake2_flake" / "build.log"
    assert str(log) in proc.stderr and "failing: log line 7" in log.read_text()
    quiet = anysnake2(root, env, "-v", "1", "build", "rootfs")  # nothing streamed: the tail
    assert quiet.returncode == 70
    assert quiet.stderr.count("failing: log line 7") == 1, quiet.stderr
    assert "last lines of the log" in quiet.stderr


def test_a_download_failure_during_the_build_is_75(tmp_path, offline_pkgs, spy_path) -> None:
    env, _ = spy_path
    env = {k: v for k, v in env.items() if k != "ANYSNAKE2_OFFLINE"}
    root = tmp_path / "project"
    root.mkdir()
    fetch = 'builtins.fetchurl { url = "http://127.0.0.1:9/nothing.tar"; sha256 = "HASH"; }'
    overlay = "final: prev: { fetched = " + fetch.replace("HASH", "0" * 52) + "; }"
    write_project(root, offline_pkgs, ["hello", "fetched"], overlay)
    proc = anysnake2(root, env, "build", "rootfs")
    assert proc.returncode == 75, proc.stderr
    assert "nix build of rootfs could not download what it needs" in proc.stderr
    assert "check the network" in proc.stderr
    assert os.path.exists(root / ".anysnake2_flake" / "build.log")


def _line_of(root, start: str) -> int:
    lines = (root / "anysnake2.toml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(start))


def test_a_nix_error_names_the_config_entry_that_made_the_line(
    tmp_path, offline_pkgs, spy_path
) -> None:
    env, _ = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["hello", "nonexistent"])
    proc = anysnake2(root, env, "build", "rootfs")
    assert proc.returncode == 70, proc.stderr
    line = _line_of(root, "packages = ")
    assert f"from [nixpkgs] packages 'nonexistent' (anysnake2.toml:{line}):" in proc.stderr
    assert "  | error: attribute 'nonexistent' missing" in proc.stderr
    assert "flake.nix:" in (root / ".anysnake2_flake" / "build.log").read_text()


def test_an_overlay_error_points_at_the_overlay(tmp_path, offline_pkgs, spy_path) -> None:
    env, _ = spy_path
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, offline_pkgs, ["hello"], "final: prev: { x = prev.nope.attr; }")
    (root / "anysnake2.toml").write_text(
        (root / "anysnake2.toml").read_text().replace('packages = ["hello"]', 'packages = ["x"]')
    )
    proc = anysnake2(root, env, "build", "rootfs")
    assert proc.returncode == 70, proc.stderr
    line = _line_of(root, "overlay = ")
    assert f"from [nixpkgs] overlay (anysnake2.toml:{line}):" in proc.stderr, proc.stderr


def test_the_source_map_covers_every_kind_of_entry() -> None:
    from pathlib import Path

    from anysnake2.render.flake import render_flake
    from anysnake2.render.resolution import Resolution
    from anysnake2.runtime.flake_origins import source_map
    from anysnake2.toml_compat.reader import read_project_text

    rev = "a" * 40
    text = (
        f'[nixpkgs]\nurl = "github:NixOS/nixpkgs"\nrev = "{rev}"\npackages = ["hello"]\n'
        'overlay = "final: prev: { }"\n'
        f'[flakes.tool]\nurl = "github:me/tool"\nrev = "{rev}"\npackages = ["x.y"]\n'
        '[python]\nversion = "3.12"\necosystem_date = "2024-05-01"\n'
        '[python.packages]\nPan_das = {version = ">=2", override_attrs = {a = "1"}}\n'
        '[dev_shell]\ninputs = ["cowsay"]\n'
    )
    project = read_project_text(text, "anysnake2.toml")
    flake = render_flake(project, Resolution(), root=Path("/tmp")).flake_nix
    labels = {}
    for number, origin in source_map(project, flake).items():
        labels.setdefault(origin.label, flake.splitlines()[number - 1].strip())
    assert labels["[nixpkgs] packages 'hello'"] == "pkgs.hello"
    assert labels["[flakes.tool] packages"] == "inputs.tool.x.y"
    assert labels["[flakes.tool]"] == "tool = {"
    assert labels["[nixpkgs] overlay"] == "(final: prev: { })"
    # the uv overlay that [python] brings along is not the user's overlay
    origins = source_map(project, flake)
    python_lines = [
        line
        for n, line in enumerate(flake.splitlines(), 1)
        if n in origins and origins[n].label == "[python]"
    ]
    assert any("uv-bin" in line for line in python_lines)
    assert labels["[python.packages] Pan_das"].startswith("pan-das = prev.pan-das")
    assert labels["[python] version"] == "pythonSet ="
    assert labels["[dev_shell] inputs"] == "packages = [ pkgs.cowsay ];"


def test_a_failed_builder_names_its_python_package(tmp_path: Path) -> None:
    from anysnake2.runtime.flake_origins import describe_error
    from anysnake2.toml_compat.reader import read_project_text

    config = tmp_path / "anysnake2.toml"
    config.write_text(
        '[python]\nversion = "3.12"\necosystem_date = "2024-05-01"\n\n'
        '[python.packages]\nnumpy = ""\nPan_das = ">=2"\n'
    )
    (tmp_path / "flake.nix").write_text("{ }\n")
    project = read_project_text(config.read_text(), str(config))
    log = (
        "error: builder for '/nix/store/"
        + "a" * 32
        + "-pan-das-2.2.3.drv' failed with exit code 1\n"
    )
    text = describe_error(log, tmp_path / "flake.nix", project, config)
    assert text == (
        "from [python.packages] Pan_das (anysnake2.toml:7):\n"
        "  | error: builder for '/nix/store/"
        + "a" * 32
        + "-pan-das-2.2.3.drv' failed with exit code 1"
    )
