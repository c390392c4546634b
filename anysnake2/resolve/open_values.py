"""The open values of a project: what must be resolved (tags, branches, missing dates and
versions), as `Request`s, and the project with its recorded values opened again."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from .._util.names import is_full_rev
from ..defaults import DEFAULT_NIXPKGS_URL
from ..model import Nixpkgs, Project
from ..sources import Source, strip_credentials

__all__ = ["NIXPKGS_RELEASE_TAG", "Request", "requests_for", "unpinned"]

NIXPKGS_RELEASE_TAG = r"^\d\d\.\d\d$"
RequestKind = Literal["revision", "date", "nixr_date", "pypi_version"]


@dataclass(frozen=True)
class Request:
    """One open value of the project: what must be resolved, and from where.

    `target` names it in messages, in `lock --upgrade` and in the records (`nixpkgs`,
    `flakes.<name>`, `python.ecosystem_date`, `python.packages.<name>`, ...). `url` is the
    source without revision (revisions) or the package name (pypi versions); `ref` the tag
    or branch asked for (None: the newest, see `newest_tag_pattern`).
    """

    target: str
    kind: RequestKind
    url: str = ""
    ref: str | None = None
    newest_tag_pattern: str | None = None

    def describe(self) -> str:
        """`nixpkgs (github:NixOS/nixpkgs, tag or branch 24.05)` for messages."""
        if self.kind == "date":
            return f"{self.target} (not set: today's date)"
        if self.kind == "pypi_version":
            return f"{self.target} (newest version on PyPI)"
        if self.kind == "nixr_date":
            return f"{self.target} (not set: the newest date nixR has)"
        what = f"tag or branch {self.ref}" if self.ref else "newest"
        return f"{self.target} ({strip_credentials(self.url)}, {what})"


def _revision_request(
    target: str, url: str | None, rev: str | None, ref: str | None, *, default_url: str | None
) -> Request | None:
    if is_full_rev(rev):
        return None
    if url is None and rev is None and ref is None:
        return None  # not configured: the pinned default applies
    url = url or default_url
    if url is None or not url.startswith(("github:", "git+", "hg+")):
        return None  # a path or tarball: nothing to resolve
    wanted = rev or ref
    pattern = None
    if wanted is None and url.lower().rstrip("/") == "github:nixos/nixpkgs":
        pattern = NIXPKGS_RELEASE_TAG  # the newest release, as the original did
    return Request(target, "revision", url, wanted, pattern)


def _source_url(source: Source) -> str:
    prefix = {"github": "github:", "git": "git+", "hg": "hg+"}[source.kind]
    return prefix + source.location


def requests_for(project: Project) -> list[Request]:
    """Every open value of `project`, in a stable order."""
    found: list[Request | None] = []
    n = project.nixpkgs if project.nixpkgs is not None else Nixpkgs()
    # nixpkgs is always an input: without a revision, the newest release is meant
    found.append(
        _revision_request(
            "nixpkgs", n.url or DEFAULT_NIXPKGS_URL, n.rev, n.ref, default_url=DEFAULT_NIXPKGS_URL
        )
    )
    if project.outside_nixpkgs is not None:
        n = project.outside_nixpkgs
        found.append(
            _revision_request(
                "outside_nixpkgs", n.url, n.rev, n.ref, default_url=DEFAULT_NIXPKGS_URL
            )
        )
    if project.rust is not None:
        r = project.rust
        found.append(_revision_request("rust", r.url, r.rev, r.ref, default_url=None))
    if project.r is not None and project.r.ecosystem_tag is None:
        r2 = project.r
        found.append(_revision_request("R", r2.url, r2.rev, r2.ref, default_url=None))
        if r2.date is None:
            found.append(Request("R.date", "nixr_date"))
    for name in sorted(project.inputs):
        i = project.inputs[name]
        found.append(_revision_request(name, i.url, i.rev, i.ref, default_url=None))
    for name in sorted(project.flakes):
        f = project.flakes[name]
        found.append(_revision_request(f"flakes.{name}", f.url, f.rev, f.ref, default_url=None))
    python = project.python
    if python is not None:
        if python.ecosystem_date is None:
            found.append(Request("python.ecosystem_date", "date"))
        for name in sorted(python.packages):
            package = python.packages[name]
            target = f"python.packages.{name}"
            if package.pypi and not package.version:
                found.append(Request(target, "pypi_version", name))
            source = package.source
            if (
                source is not None
                and package.editable is None  # a checkout is what it is: never re-pointed
                and source.kind in ("github", "git", "hg")
                and not is_full_rev(source.rev)
            ):
                found.append(
                    Request(target, "revision", _source_url(source), source.rev or source.ref)
                )
    return [r for r in found if r is not None]


def unpinned(project: Project) -> Project:
    """`project` with every recorded revision/date/version opened again (for upgrades)."""
    changes: dict[str, object] = {}
    if project.nixpkgs is not None and is_full_rev(project.nixpkgs.rev):
        changes["nixpkgs"] = replace(project.nixpkgs, rev=None, ref=project.nixpkgs.ref)
    if project.outside_nixpkgs is not None and is_full_rev(project.outside_nixpkgs.rev):
        changes["outside_nixpkgs"] = replace(project.outside_nixpkgs, rev=None)
    if project.rust is not None and is_full_rev(project.rust.rev) and project.rust.url:
        changes["rust"] = replace(project.rust, rev=None)
    if project.r is not None:
        opened_rev = is_full_rev(project.r.rev) and project.r.url
        changes["r"] = replace(project.r, rev=None if opened_rev else project.r.rev, date=None)
    inputs = {
        k: (replace(v, rev=None) if v.url and is_full_rev(v.rev) else v)
        for k, v in project.inputs.items()
    }
    changes["inputs"] = inputs
    changes["flakes"] = {
        k: (replace(v, rev=None) if is_full_rev(v.rev) else v) for k, v in project.flakes.items()
    }
    if project.python is not None:
        packages = {}
        for name, package in project.python.packages.items():
            source = package.source
            if source is not None and package.editable is None and is_full_rev(source.rev):
                package = replace(package, source=source.with_rev(None))
            packages[name] = package
        changes["python"] = replace(project.python, ecosystem_date=None, packages=packages)
    return replace(project, **changes)  # type: ignore[arg-type]
