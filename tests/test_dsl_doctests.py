"""The examples in the DSL's docstrings run, and each must print what it says.

The DSL's documentation is its docstrings (`help(Project.python)`); an example that no
longer works would teach the wrong thing. Each docstring is one test case, run in an
empty folder (the `write`/`from_toml` examples write files there).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import anysnake2.dsl

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    names = ["anysnake2.dsl"]
    names += [f"anysnake2.dsl.{m.name}" for m in pkgutil.iter_modules(anysnake2.dsl.__path__)]
    return sorted(names)


def _examples() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder()
    found = []
    for name in _modules():
        found += [t for t in finder.find(importlib.import_module(name)) if t.examples]
    return sorted(found, key=lambda t: t.name)


EXAMPLES = _examples()


def test_the_dsl_documents_each_section_with_an_example() -> None:
    names = {t.name for t in EXAMPLES}
    for method in ("anysnake2", "nixpkgs", "outside_nixpkgs", "python", "python_packages"):
        assert f"anysnake2.dsl._project.Project.{method}" in names
    for method in ("python_package", "r", "rust", "flake", "clone", "clone_options", "volume"):
        assert f"anysnake2.dsl._project.Project.{method}" in names
    for method in ("env", "container", "cmd", "dev_shell", "input", "with_", "to_toml"):
        assert f"anysnake2.dsl._project.Project.{method}" in names
    assert "anysnake2.dsl._slurm.SlurmMixin.slurm" in names
    assert "anysnake2.dsl" in names
    assert "anysnake2.dsl._project.Project" in names


@pytest.mark.parametrize("test", EXAMPLES, ids=lambda t: t.name)
def test_docstring_example(
    test: doctest.DocTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    output: list[str] = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    result = runner.run(test, out=output.append, clear_globs=True)
    assert result.failed == 0, "".join(output)
