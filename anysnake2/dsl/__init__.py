"""The fluent Python DSL: build a project in anysnake2.py, or convert one to Python.

>>> from anysnake2 import Project
>>> project = Project().nixpkgs("24.05", packages=["git"]).python("3.12")
>>> project.model.python.version
'3.12'

Every method returns a new `Project`; see `docs/dsl.md`.
"""

from __future__ import annotations

from ._project import PackageSpec, Project
from ._writer import to_python

__all__ = ["PackageSpec", "Project", "to_python"]
