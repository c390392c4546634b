"""The Nix printer: every escape round-trips through `nix-instantiate --eval`."""

from __future__ import annotations

import json
import random
import subprocess

import pytest

from anysnake2.render.nix import (
    RawNix,
    attr_name,
    indented,
    is_attr_path,
    paren,
    quote,
    render,
    string,
)


def nix_eval(expression: str) -> object:
    """Evaluate a Nix expression strictly and return it as JSON data."""
    proc = subprocess.run(
        ["nix-instantiate", "--eval", "--strict", "--json", "-E", expression],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr + "\n" + expression
    return json.loads(proc.stdout)


ESCAPES = {
    "double quote": 'say "hi"',
    "backslash": "C:\\path\\n not a newline",
    "antiquotation": "${HOME} and ${ pkgs.hello }",
    "double dollar": "$${x} $$ $",
    "dollar at end": "cost: 5$",
    "two single quotes": "it''s ''quoted''",
    "three single quotes": "a'''b",
    "single quote at end": "rock 'n' roll'",
    "quote before antiquotation": "'${x}",
    "newlines": "line one\nline two\n\nline four\n",
    "tabs": "\tcol1\tcol2",
    "quote before tab": "'\t",
    "carriage return": "dos\r\nline",
    "leading spaces on every line": "  a\n   b\n  c",
    "whitespace-only lines": "a\n   \n\t\nb",
    "empty": "",
    "only newline": "\n",
}


@pytest.mark.parametrize("text", ESCAPES.values(), ids=ESCAPES.keys())
def test_both_string_kinds_evaluate_back_to_the_config_string(text: str) -> None:
    assert nix_eval(f"[ ({quote(text)}) ({indented(text)}) ({string(text, 2)}) ]") == [text] * 3


def test_random_strings_round_trip() -> None:
    atoms = ['"', "\\", "${", "$", "''", "'", "\n", "\t", "\r", " ", "a", "{", "}"]
    rng = random.Random(4)
    cases = ["".join(rng.choice(atoms) for _ in range(rng.randint(0, 10))) for _ in range(400)]
    expression = "[\n" + "\n".join(f"({quote(c)}) ({indented(c, 1)})" for c in cases) + "\n]"
    result = nix_eval(expression)
    assert result == [c for c in cases for _ in range(2)]


def test_indented_strings_use_the_tab_escape_and_stay_readable() -> None:
    text = indented("a\tb\nc\n", 1)
    assert "''\\t" in text
    assert text == "''\n    a''\\tb\n    c\n  ''"


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("hello", "hello"),
        ("rust-overlay", "rust-overlay"),
        ("x86_64-linux", "x86_64-linux"),
        ("2020-01-01", '"2020-01-01"'),
        ("data.table", '"data.table"'),
        ("with space", '"with space"'),
        ("if", '"if"'),
        ("or", '"or"'),
        ("${x}", '"\\${x}"'),
    ],
)
def test_attribute_names_are_quoted_when_not_identifiers(name: str, printed: str) -> None:
    assert attr_name(name) == printed
    assert nix_eval(f"builtins.attrNames {{ {printed} = 1; }}") == [name]


def test_attrsets_are_sorted_and_raw_nix_is_verbatim() -> None:
    value = {"b": [1, True, None], "a": RawNix("1 + 1"), "c d": {"x": "y"}}
    text = render(value)
    assert text.index("a =") < text.index("b =") < text.index('"c d" =')
    assert "a = 1 + 1;" in text
    assert nix_eval(text) == {"a": 2, "b": [1, True, None], "c d": {"x": "y"}}


def test_attr_paths_and_parenthesised_code() -> None:
    assert is_attr_path('rust-bin.nightly."2020-01-01".default')
    assert not is_attr_path("python3.withPackages (p: [ ])")
    assert not is_attr_path("with.x")
    assert paren(" fish ").code == "fish"
    assert paren("old: { }").code == "(old: { })"
