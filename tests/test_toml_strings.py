"""Every TOML file we write spells strings and keys one way (toml_compat.strings, tomlkit's
escaping): a DEL or another control character in a value still gives valid TOML."""

from __future__ import annotations

import pytest
import tomllib

from anysnake2.render.uvlock import lock_for_uv2nix
from anysnake2.resolve.lockfile import render_lockfile
from anysnake2.toml_compat.strings import basic_string, toml_key
from anysnake2.toml_compat.writer import toml_string

AWKWARD = ["plain", "a\x7fb", "tab\there", 'quote " and \\ backslash', "\x00\x1b\x1f", "é ü 中"]


@pytest.mark.parametrize("text", AWKWARD)
def test_strings_and_keys_read_back(text: str) -> None:
    assert tomllib.loads(f"x = {basic_string(text)}")["x"] == text
    assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text
    assert tomllib.loads(f"{toml_key(text)} = 1") == {text: 1}


def test_a_bare_key_stays_bare() -> None:
    assert toml_key("uv2nix_hammer-overrides") == "uv2nix_hammer-overrides"
    assert toml_key("a.b") == '"a.b"'


def test_the_uv2nix_lock_copy_is_valid_toml_with_a_del_character() -> None:
    # `revision` is dropped, so the copy is written anew (not passed through)
    lock = (
        'version = 1\nrevision = 2\nrequires-python = ">=3.11"\n\n'
        '[[package]]\nname = "odd"\nversion = "1.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        '\n[package.metadata]\nrequires-dist = ["x\\u007fy"]\n'
        '"k\\u007f" = "v"\n'
    )
    copy = lock_for_uv2nix(lock)
    assert "\x7f" not in copy
    data = tomllib.loads(copy)
    assert "revision" not in data
    assert data["package"][0]["metadata"] == {"requires-dist": ["x\x7fy"], "k\x7f": "v"}


def test_the_pin_lock_file_is_valid_toml_with_a_del_character() -> None:
    text = render_lockfile("1.0", {"flakes.odd\x7f": {"kind": "revision", "url": "git+a\x7f"}})
    assert "\x7f" not in text
    pins = tomllib.loads(text)["pins"]
    assert pins["flakes.odd\x7f"]["url"] == "git+a\x7f"
