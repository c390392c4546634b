"""The flake template's environment: strict, made once, and jinja2 only when rendering."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from anysnake2.render.template import environment, render_template

REPO = Path(__file__).resolve().parents[1]


def test_a_missing_value_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(jinja2.UndefinedError, match="inputs"):
        render_template("flake.nix.j2")


def test_the_environment_and_its_template_are_made_once() -> None:
    assert environment() is environment()
    template = environment().get_template("flake.nix.j2")
    assert environment().get_template("flake.nix.j2") is template
    assert environment().undefined is jinja2.StrictUndefined
    assert environment().keep_trailing_newline and not environment().autoescape


def test_jinja2_is_imported_by_the_first_render_only() -> None:
    code = (
        "import sys; from pathlib import Path; "
        "from anysnake2.model import Project; from anysnake2.render.flake import render_flake; "
        "from anysnake2.render.resolution import Resolution; "
        "before = 'jinja2' in sys.modules; "
        "render_flake(Project(), Resolution(), root=Path('/p')); "
        "print(before, 'jinja2' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "True"]
