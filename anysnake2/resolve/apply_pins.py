"""Put resolved answers into the model: a revision, date or version where its request
came from (`apply_answer`), or a recorded value opened again for `lock --upgrade`
(`reopen`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..model import Input, Nixpkgs, Project
from ..sources import Source
from .answers import Answer
from .open_values import Request, requests_for

__all__ = ["apply_answer", "reopen"]


def _pinned_ref(url: str, answer: Answer) -> str | None:
    """The ref to keep beside a revision: nix fetches git revisions through a ref."""
    if not url.startswith("git+") or answer.ref is None:
        return None
    if answer.ref_kind in ("tag", "newest-tag"):
        return f"refs/tags/{answer.ref}"
    if answer.ref_kind == "branch":
        return answer.ref
    return None  # the default branch: HEAD


_SECTIONS = {"nixpkgs": "nixpkgs", "outside_nixpkgs": "outside_nixpkgs", "rust": "rust", "R": "r"}
_PACKAGE = "python.packages."
_FLAKE = "flakes."


def _part(project: Project, target: str) -> Any:
    """The model object a revision target lives in: a section, a flake, a helper input or
    a Python package (None for a section or input the project does not have)."""
    if target.startswith(_PACKAGE):
        assert project.python is not None
        return project.python.packages[target[len(_PACKAGE) :]]
    if target.startswith(_FLAKE):
        return project.flakes[target[len(_FLAKE) :]]
    if target in _SECTIONS:
        return getattr(project, _SECTIONS[target])
    return project.inputs.get(target)


def _with_part(project: Project, target: str, part: Any) -> Project:
    """`project` with `part` put where `_part` found it."""
    if target.startswith(_PACKAGE):
        assert project.python is not None
        packages = {**project.python.packages, target[len(_PACKAGE) :]: part}
        return replace(project, python=replace(project.python, packages=packages))
    if target.startswith(_FLAKE):
        return replace(project, flakes={**project.flakes, target[len(_FLAKE) :]: part})
    if target in _SECTIONS:
        return replace(project, **{_SECTIONS[target]: part})
    return replace(project, inputs={**project.inputs, target: part})


def apply_answer(project: Project, request: Request, answer: Answer) -> Project:
    """`project` with `answer` put where `request` came from."""
    target = request.target
    if request.kind == "nixr_date":
        assert project.r is not None
        return replace(project, r=replace(project.r, date=answer.value))
    if request.kind == "date":
        assert project.python is not None
        return replace(project, python=replace(project.python, ecosystem_date=answer.value))
    part = _part(project, target)
    if target.startswith(_PACKAGE):
        if request.kind == "pypi_version":
            return _with_part(project, target, replace(part, version=f"=={answer.value}"))
        source = part.source
        ref = source.ref if source.kind == "github" else None
        if source.kind == "git":
            ref = _pinned_ref(request.url, answer) or source.ref
        pinned_source = Source(source.kind, source.location, ref, answer.value)
        return _with_part(project, target, replace(part, source=pinned_source))
    pinned = {"rev": answer.value, "ref": _pinned_ref(answer.fetch_url or request.url, answer)}
    if answer.fetch_url:
        pinned["url"] = answer.fetch_url
    if part is None:  # no [nixpkgs] (always an input) or a helper input not written
        part = Nixpkgs(url=request.url) if target in _SECTIONS else Input()
    return _with_part(project, target, replace(part, **pinned))


def reopen(
    project: Project,
    open_project: Project,
    chosen: set[str],
    refs: Mapping[str, tuple[str, str | None]],
) -> Project:
    """`project` with the chosen targets taken from `open_project`, asking again for the
    tag or branch the user originally named (recorded beside the pin)."""
    for request in requests_for(open_project):
        if request.target not in chosen:
            continue
        kind, ref = refs.get(request.target, (None, None))
        wanted = ref if kind in ("tag", "branch") else None
        project = _set_open(project, open_project, request.target, wanted)
    return project


def _set_open(project: Project, open_project: Project, target: str, ref: str | None) -> Project:
    """`project` with `target` open again (as in `open_project`), asking for `ref`."""
    if target == "python.ecosystem_date" and project.python is not None:
        return replace(project, python=replace(project.python, ecosystem_date=None))
    if target == "R.date" and project.r is not None:
        return replace(project, r=replace(project.r, date=None))
    part = _part(open_project, target)
    if target.startswith(_PACKAGE):
        source = part.source
        if source is not None and ref is not None:
            part = replace(part, source=Source(source.kind, source.location, ref, None))
        return _with_part(project, target, part)
    return _with_part(project, target, replace(part, rev=None, ref=ref))
