"""Recording resolved pins into anysnake2.toml (anysnake2.toml_compat.record)."""

from __future__ import annotations

import dataclasses
import re
import shutil
import stat
from pathlib import Path

import pytest
import tomlkit

from anysnake2._util.names import is_full_rev
from anysnake2.errors import ConfigError
from anysnake2.model import Project
from anysnake2.toml_compat.pin_marks import Pin, recorded_refs
from anysnake2.toml_compat.reader import detect_era, read_project
from anysnake2.toml_compat.record import record_pins

ROOT = Path(__file__).resolve().parent.parent
from conftest import ORIGINAL_CONFIGS as ORIGINALS

SHA_A = "a" * 40
SHA_B = "b" * 40
HELPERS = ("uv2nix", "pyproject-nix", "build-system-pkgs", "flake-utils")


def _comments(text: str) -> list[str]:
    """Every comment of a file, in order (whole-line ones and the tails of key lines)."""
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            found.append(stripped)
        elif "#" in line and not re.search(r"[\"'][^\"']*#", line):
            found.append(line[line.index("#") :].strip())
    return found


def _pins_for(project: Project) -> list[Pin]:
    """What the lead's resolver would record for this project: everything unpinned."""
    pins: list[Pin] = []

    def rev_pin(target: str, rev: str | None, ref: str | None) -> None:
        if is_full_rev(rev):
            return
        if rev:
            pins.append(Pin(target, "revision", SHA_A, rev, "tag"))
        elif ref:
            pins.append(Pin(target, "revision", SHA_A, ref, "branch"))
        else:
            pins.append(Pin(target, "revision", SHA_A, "main", "default-branch"))

    for name in ("nixpkgs", "outside_nixpkgs"):
        section = getattr(project, name)
        if section is not None:
            rev_pin(name, section.rev, section.ref)
    for name in ("rust", "r"):
        section = getattr(project, name)
        if section is not None:
            rev_pin("R" if name == "r" else name, section.rev, section.ref)
    for name, value in project.inputs.items():
        rev_pin(name, value.rev, value.ref)
    for name, flake in project.flakes.items():
        rev_pin(f"flakes.{name}", flake.rev, flake.ref)
    if project.python is not None:
        if project.python.ecosystem_date is None:
            pins.append(Pin("python.ecosystem_date", "date", "2026-11-27"))
        for name, package in project.python.packages.items():
            target = f"python.packages.{name}"
            if package.pypi and not package.version:
                pins.append(Pin(target, "pypi_version", "1.2.3"))
            source = package.source
            if source and source.kind in ("github", "git", "hg") and not is_full_rev(source.rev):
                pins.append(Pin(target, "revision", SHA_B, source.ref, "newest-tag"))
    return pins


def _without_pins(project: Project, pins: list[Pin]) -> Project:
    """`project` with the pinned values (and the refs they came from) blanked out."""
    changes: dict[str, object] = {}
    inputs = dict(project.inputs)
    flakes = dict(project.flakes)
    python = project.python
    for pin in pins:
        target = pin.target
        if target in ("nixpkgs", "outside_nixpkgs", "rust", "R"):
            field = "r" if target == "R" else target
            current = changes.get(field, getattr(project, field))
            changes[field] = dataclasses.replace(current, rev=None, ref=None)
        elif target in HELPERS:
            inputs[target] = dataclasses.replace(inputs[target], rev=None, ref=None)
        elif target.startswith("flakes."):
            name = target[len("flakes.") :]
            flakes[name] = dataclasses.replace(flakes[name], rev=None, ref=None)
        elif target == "python.ecosystem_date":
            python = dataclasses.replace(python, ecosystem_date=None)
        else:
            name = target[len("python.packages.") :]
            packages = dict(python.packages)
            package = packages[name]
            if pin.kind == "pypi_version":
                package = dataclasses.replace(package, version="")
            else:
                source = dataclasses.replace(package.source, rev=None, ref=None)
                package = dataclasses.replace(package, source=source)
            packages[name] = package
            python = dataclasses.replace(python, packages=packages)
    return project.replace(**changes, inputs=inputs, flakes=flakes, python=python)


def _data(text: str) -> dict[str, object]:
    return tomlkit.parse(text).unwrap()


def _era(path: Path) -> str:
    return detect_era(_data(path.read_text()))


def _unpinned_originals() -> list[Path]:
    paths = []
    for path in sorted(ORIGINALS.glob("*.toml")):
        try:
            project = read_project(path)
        except ConfigError:  # configs the reader refuses on purpose are not recorded into
            continue
        if _pins_for(project):
            paths.append(path)
    return paths


@pytest.mark.needs_shared
def test_originals_are_there() -> None:
    assert len(list(ORIGINALS.glob("*.toml"))) == 40
    assert len(_unpinned_originals()) >= 10


@pytest.mark.needs_shared
@pytest.mark.parametrize("original", _unpinned_originals(), ids=lambda p: p.stem)
def test_original_configs_record_and_read_back(original: Path, tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.toml"
    shutil.copy(original, path)
    before_text = path.read_text()
    before = read_project(path)
    pins = _pins_for(before)
    changes = record_pins(path, pins)
    assert changes, "something was unpinned, so something must change"
    after_text = path.read_text()
    after = read_project(path)
    assert _era(path) == detect_era(_data(before_text))
    assert _pins_for(after) == [], "everything is pinned after recording"
    assert _without_pins(after, pins) == _without_pins(before, pins)
    for comment in _comments(before_text):
        assert comment in after_text, comment
    refs = recorded_refs(path)
    for pin in pins:
        assert (
            refs[pin.target][0]
            == {
                "revision": pin.ref_kind,
                "date": "date",
                "pypi_version": "pypi",
            }[pin.kind]
        )
    assert record_pins(path, pins) == []
    assert path.read_text() == after_text


ONE_X = """\
# my project
[nixpkgs]
url = "github:NixOS/nixpkgs"
rev = "24.05" # stable release
packages = ["fish"]

[outside_nixpkgs]
url = "github:NixOS/nixpkgs/nixos-unstable"

[R]
packages = ["ggplot2"]
date = "2024-01-01"
nixr_url = "github:TyberiusPrime/nixR"

[flakes.hello]
url = "git+https://user:secret@example.com/hello.git" # private
packages = ["hello"]

[python]
version = "3.12"
[python.packages]
a = "pypi" # newest please
b = {method = "fetchPypi", hash_x = "sha256-abc"}
c = {method = "fetchFromGitHub", owner = "o", repo = "c"}
d = "hg+https://hg.example.com/d"
"""


def test_one_x_spelling(tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.toml"
    path.write_text(ONE_X)
    path.chmod(0o640)
    changes = record_pins(
        path,
        [
            Pin("nixpkgs", "revision", SHA_A, "24.05", "tag"),
            Pin("outside_nixpkgs", "revision", SHA_B, "nixos-unstable", "branch"),
            Pin("R", "revision", SHA_A, "main", "default-branch"),
            Pin("flakes.hello", "revision", SHA_B, "master", "default-branch"),
            Pin("python.ecosystem_date", "date", "2026-11-27"),
            Pin("python.packages.a", "pypi_version", "0.27.1"),
            Pin("python.packages.b", "pypi_version", "2.0"),
            Pin("python.packages.c", "revision", SHA_A, "main", "default-branch"),
            Pin("python.packages.d", "revision", SHA_B),
        ],
    )
    text = path.read_text()
    assert len(changes) == 9
    assert f'rev = "{SHA_A}" # stable release; anysnake2: tag 24.05\n' in text
    assert f'rev = "{SHA_B}" # anysnake2: branch nixos-unstable\n' in text
    assert (
        'nixr_url = "github:TyberiusPrime/nixR"\n'
        f'rev = "{SHA_A}" # anysnake2: head of default branch main\n'
    ) in text
    assert (
        'url = "git+https://user:secret@example.com/hello.git" # private\n'
        f'rev = "{SHA_B}" # anysnake2: head of default branch master\n'
    ) in text
    assert (
        'version = "3.12"\necosystem_date = "2026-11-27" # anysnake2: date of the first lock\n'
    ) in text
    assert 'a = "pypi:0.27.1" # newest please; anysnake2: newest on PyPI\n' in text
    assert (
        'b = {method = "fetchPypi", version = "2.0", hash_x = "sha256-abc"} '
        "# anysnake2: newest on PyPI\n"
    ) in text
    assert f'c = {{method = "fetchFromGitHub", owner = "o", repo = "c", rev = "{SHA_A}"}}' in text
    assert f'd = "hg+https://hg.example.com/d?rev={SHA_B}"' in text
    assert _era(path) == "1.x"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    project = read_project(path)
    assert project.nixpkgs.rev == SHA_A
    assert project.outside_nixpkgs.ref == "nixos-unstable"
    assert project.python.packages["b"].version == "==2.0"
    assert project.python.packages["c"].source.rev == SHA_A
    assert recorded_refs(path) == {
        "R": ("default-branch", "main"),
        "flakes.hello": ("default-branch", "master"),
        "nixpkgs": ("tag", "24.05"),
        "outside_nixpkgs": ("branch", "nixos-unstable"),
        "python.ecosystem_date": ("date", None),
        "python.packages.a": ("pypi", None),
        "python.packages.b": ("pypi", None),
        "python.packages.c": ("default-branch", "main"),
    }
    # a re-record (lock --upgrade) replaces only our marker, keeping the user's words
    record_pins(path, [Pin("nixpkgs", "revision", SHA_B, "24.11", "newest-tag")])
    assert f'rev = "{SHA_B}" # stable release; anysnake2: newest tag 24.11\n' in path.read_text()
    assert recorded_refs(path)["nixpkgs"] == ("newest-tag", "24.11")


TWO_X = """\
[anysnake2]
\turl2 = "dev"

[nixpkgs]
\turl = "github:NixOS/nixpkgs" # the one
\tpackages = ["fish"]

[outside_nixpkgs]
\tpackages = []

[pyproject_build_systems]
\turl = "github:pyproject-nix/build-system-pkgs"

[flakes.tool]
\turl = "git+https://example.com/tool.git?ref=dev"
\tdir = "sub"

[python]
\tversion = "3.12"

[python.packages]
\tx = {version = "pypi", editable = true, build_systems = ["setuptools"]}
\ty = {url = "github:o/y", override_attrs = {A = "1"}} # y comment
\tz = "git+ssh://git@example.com/z.git"
"""


def test_two_x_spelling(tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.toml"
    path.write_text(TWO_X)
    record_pins(
        path,
        [
            Pin("nixpkgs", "revision", SHA_A, "24.05", "newest-tag"),
            Pin("outside_nixpkgs", "revision", SHA_B, "24.05", "tag"),
            Pin("build-system-pkgs", "revision", SHA_A, "master", "default-branch"),
            Pin("flakes.tool", "revision", SHA_B, "dev", "branch"),
            Pin("python.ecosystem_date", "date", "2026-11-27"),
            Pin("python.packages.x", "pypi_version", "1.0"),
            Pin("python.packages.y", "revision", SHA_A, "main", "default-branch"),
            Pin("python.packages.z", "revision", SHA_B, "main", "default-branch"),
        ],
    )
    text = path.read_text()
    assert (
        f'\turl = "github:NixOS/nixpkgs/24.05/{SHA_A}" # the one; anysnake2: newest tag 24.05\n'
    ) in text
    assert f'\turl = "github:NixOS/nixpkgs/24.05/{SHA_B}" # anysnake2: tag 24.05\n' in text
    assert f'"github:pyproject-nix/build-system-pkgs/master/{SHA_A}"' in text
    assert f'"git+https://example.com/tool.git?ref=dev&rev={SHA_B}"' in text
    assert "rev =" not in text
    assert ('\tx = {version = "pypi:1.0", editable = true, build_systems = ["setuptools"]}') in text
    assert (
        f'\ty = {{url = "github:o/y/main/{SHA_A}", override_attrs = {{A = "1"}}}} '
        "# y comment; anysnake2: head of default branch main\n"
    ) in text
    assert f'\tz = "git+ssh://git@example.com/z.git?ref=main&rev={SHA_B}"' in text
    assert _era(path) == "2.x"
    project = read_project(path)
    assert project.warnings == read_project_warnings_of(TWO_X, tmp_path)
    assert project.outside_nixpkgs.rev == SHA_B
    assert project.flakes["tool"].dir == "sub"
    assert project.python.packages["x"].editable == "code"
    assert project.python.packages["x"].build_systems == ("setuptools",)
    assert project.python.packages["y"].override_attrs == {"A": "1"}
    assert recorded_refs(path)["build-system-pkgs"] == ("default-branch", "master")
    assert recorded_refs(path)["flakes.tool"] == ("branch", "dev")


def read_project_warnings_of(text: str, tmp_path: Path) -> tuple[str, ...]:
    other = tmp_path / "other" / "anysnake2.toml"
    other.parent.mkdir()
    other.write_text(text)
    return tuple(w.replace(str(other), "X") for w in read_project(other).warnings)


def test_dotted_and_inline_sections(tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.toml"
    path.write_text(
        'nixpkgs.url = "github:NixOS/nixpkgs"\n'
        'nixpkgs.rev = "24.05" # mine\n'
        'outside_nixpkgs = {url = "github:NixOS/nixpkgs", rev = "24.05"} # outside\n'
    )
    record_pins(
        path,
        [
            Pin("nixpkgs", "revision", SHA_A, "24.05", "tag"),
            Pin("outside_nixpkgs", "revision", SHA_B, "24.05", "tag"),
        ],
    )
    text = path.read_text()
    assert f'nixpkgs.rev = "{SHA_A}" # mine; anysnake2: tag 24.05\n' in text
    assert (
        f'outside_nixpkgs = {{url = "github:NixOS/nixpkgs", rev = "{SHA_B}"}} '
        "# outside; anysnake2: tag 24.05\n"
    ) in text
    assert recorded_refs(path) == {"nixpkgs": ("tag", "24.05"), "outside_nixpkgs": ("tag", "24.05")}
    assert read_project(path).outside_nixpkgs.rev == SHA_B


def test_crlf_stays_crlf_and_unchanged_file_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.toml"
    path.write_bytes(b'[nixpkgs]\r\nurl = "github:NixOS/nixpkgs"\r\n# end\r\n')
    pins = [Pin("nixpkgs", "revision", SHA_A, "main", "default-branch")]
    assert record_pins(path, pins)
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") == 4
    stamp = path.stat().st_mtime_ns
    assert record_pins(path, pins) == []
    assert path.stat().st_mtime_ns == stamp
    assert read_project(path).nixpkgs.rev == SHA_A


def test_no_credentials_added_and_bad_targets(tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.toml"
    path.write_text('[python]\nversion = "3.12"\n[python.packages]\nq = "github:o/q"\n')
    record_pins(path, [Pin("python.packages.q", "revision", SHA_A, "main", "branch")])
    assert "@" not in path.read_text()
    assert f'q = "github:o/q/main/{SHA_A}"' in path.read_text()
    for pin in (
        Pin("rust", "revision", SHA_A),
        Pin("flakes.nope", "revision", SHA_A),
        Pin("python.packages.nope", "pypi_version", "1.0"),
        Pin("weird", "revision", SHA_A),
    ):
        with pytest.raises(ValueError):
            record_pins(path, [pin])
    with pytest.raises(ValueError):
        Pin("nixpkgs", "revision", "24.05")
    with pytest.raises(ValueError):
        Pin("nixpkgs", "revision", SHA_A, "x@evil", "tag")


def test_only_changed_pins_are_reported_and_foreign_markers_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text(
        "[nixpkgs]\n"
        'url = "github:NixOS/nixpkgs"\n'
        'rev = "24.05" # see anysnake2: the docs\n'
        "[rust]\n"
        'url = "github:oxalica/rust-overlay"\n'
    )
    path = tmp_path / "anysnake2.toml"
    path.symlink_to(real)
    nixpkgs = Pin("nixpkgs", "revision", SHA_A, "24.05", "tag")
    assert record_pins(path, [nixpkgs]) == [f"nixpkgs: rev = {SHA_A} (tag 24.05)"]
    assert path.is_symlink()
    assert f'rev = "{SHA_A}" # see anysnake2: the docs; anysnake2: tag 24.05\n' in real.read_text()
    rust = Pin("rust", "revision", SHA_B, "master", "default-branch")
    assert record_pins(path, [nixpkgs, rust]) == [
        f"rust: rev = {SHA_B} (head of default branch master)"
    ]
    assert recorded_refs(path) == {
        "nixpkgs": ("tag", "24.05"),
        "rust": ("default-branch", "master"),
    }


def test_two_x_branch_slot_on_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "anysnake2.toml"
    path.write_text(
        '[anysnake2]\nurl2 = "dev"\n'
        '[nixpkgs]\nurl = "github:NixOS/nixpkgs/master/24.05"\n'
        '[outside_nixpkgs]\nurl = "github:NixOS/nixpkgs/24.05"\n'
        '[rust]\nurl = "github:oxalica/rust-overlay"\n'
    )
    record_pins(path, [Pin("rust", "revision", SHA_A, "feature/x", "branch")])
    # a branch with a slash has no place in github:o/r/<ref>/<rev>: only the marker keeps it
    assert f'url = "github:oxalica/rust-overlay//{SHA_A}" # anysnake2: branch feature/x\n' in (
        path.read_text()
    )
    assert recorded_refs(path) == {"rust": ("branch", "feature/x")}
    record_pins(
        path,
        [
            Pin("nixpkgs", "revision", SHA_A, "24.05", "tag"),
            Pin("outside_nixpkgs", "revision", SHA_A, "24.05", "tag"),
        ],
    )
    text = path.read_text()
    # the user's branch stays in the URL, the tag goes into the marker
    assert f'url = "github:NixOS/nixpkgs/master/{SHA_A}" # anysnake2: tag 24.05\n' in text
    assert f'url = "github:NixOS/nixpkgs/24.05/{SHA_A}" # anysnake2: tag 24.05\n' in text
    record_pins(
        path,
        [
            Pin("nixpkgs", "revision", SHA_B, "24.11", "newest-tag"),
            Pin("outside_nixpkgs", "revision", SHA_B, "24.11", "newest-tag"),
        ],
    )
    text = path.read_text()
    assert f'url = "github:NixOS/nixpkgs/master/{SHA_B}" # anysnake2: newest tag 24.11\n' in text
    assert f'url = "github:NixOS/nixpkgs/24.11/{SHA_B}" # anysnake2: newest tag 24.11\n' in text
    project = read_project(path)
    assert (project.nixpkgs.ref, project.nixpkgs.rev) == ("master", SHA_B)
    assert (project.outside_nixpkgs.ref, project.outside_nixpkgs.rev) == ("24.11", SHA_B)
