"""Clone URL regexps: the 1.x (anchored, all apply, \\0 and \\N) and 2.x (unanchored, first
match wins, $N) flavours."""

from __future__ import annotations

import pytest

from anysnake2.errors import ConfigError
from anysnake2.toml_compat.clone_regexps import compile_regexps, detect_flavour, expand_url


def expand(table: dict[str, str], name: str, url: str, default="1.x") -> str:
    flavour = detect_flavour(list(table.values()), default)
    return expand_url(name, url, compile_regexps(table, flavour), flavour)


def test_1x_is_anchored_and_uses_name_and_groups():
    table = {"@gh/([^/]+)": r"git+https://github.com/\1/\0"}
    assert expand(table, "dppd", "@gh/TyberiusPrime") == "git+https://github.com/TyberiusPrime/dppd"
    assert expand(table, "dppd", "x@gh/TyberiusPrime") == "x@gh/TyberiusPrime"  # anchored


def test_1x_applies_all_rules_in_order():
    table = {"@a/(.+)": r"@b/\1", "@b/(.+)": r"git+https://b.example/\1"}
    assert expand(table, "n", "@a/x") == "git+https://b.example/x"


def test_2x_unanchored_first_match_wins_replacing_all_matches():
    table = {"@gh/": "https://github.com/", "github": "never"}
    assert detect_flavour(list(table.values()), "2.x") == "2.x"
    assert expand(table, "n", "git+@gh/x", default="2.x") == "git+https://github.com/x"
    table = {"(o)": "${1}0$$"}
    assert expand(table, "n", "foo", default="1.x") == "fo0$o0$"


def test_flavour_is_read_from_the_replacement():
    assert detect_flavour([r"git+https://x/\1"], "2.x") == "1.x"
    assert detect_flavour(["git+https://x/$1"], "1.x") == "2.x"
    assert detect_flavour(["git+https://x/${name}"], "1.x") == "2.x"
    assert detect_flavour(["no groups"], "2.x") == "2.x"
    with pytest.raises(ConfigError, match="mix"):
        detect_flavour([r"\1", "$1"], "1.x")


def test_missing_group_only_fails_when_matching():
    table = {"@gh/([^/]+/[^/]+)": "git+https://github.com/$2/$1"}
    assert expand(table, "n", "git+https://example.org/x") == "git+https://example.org/x"
    with pytest.raises(ConfigError, match=r"uses group \$2"):
        expand(table, "n", "@gh/a/b")
    with pytest.raises(ConfigError, match=r"uses group \\3"):
        expand({"(a)": r"\3"}, "n", "a")


def test_named_groups_2x():
    table = {"@gh/(?P<owner>[^/]+)": "github:${owner}/x"}
    assert expand(table, "n", "@gh/me") == "github:me/x"
