"""Ask the resolvers for one open value (`resolve_request`), and place a resolver's error
at the value's file and line."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from .. import _log
from .._util.github import split_github
from .._util.names import is_full_rev
from .._util.root_url import with_root
from ..errors import AnysnakeError
from ..model import Project
from .open_values import Request

__all__ = ["Answer", "at_line", "located", "resolve_request"]


@dataclass(frozen=True)
class Answer:
    """A resolved value, as recorded."""

    value: str
    ref: str | None = None
    ref_kind: str | None = None
    fetch_url: str | None = None  # fetch with git from here instead (unstable tarball)


def _nixr_source(project: Project) -> tuple[str, str | None]:
    """nixR's URL and revision as the flake will use them (the pinned default without [R]
    url; None while an open revision is not resolved)."""
    from ..defaults import DEFAULT_INPUTS

    assert project.r is not None
    default = DEFAULT_INPUTS["nixR"]
    if project.r.url is None and project.r.rev is None:
        return default.url, default.rev
    rev = project.r.rev if is_full_rev(project.r.rev) else None
    return project.r.url or default.url, rev


def resolve_request(
    request: Request,
    project: Project,
    root: Path,
    cache: object,
    *,
    offline: bool,
    refresh: bool,
) -> Answer | None:
    """Ask the resolvers; None when offline and nothing cached answers."""
    from . import remote

    if request.kind == "date":
        return Answer(_dt.date.today().isoformat())
    if request.kind == "nixr_date":
        from .nixr import newest_nixr_date

        url, rev = _nixr_source(project)
        if rev is None:
            return None
        try:
            return Answer(newest_nixr_date(with_root(url, root), rev, cache=cache, offline=offline))
        except remote.NotCached:
            return None
    try:
        if request.kind == "pypi_version":
            version = remote.newest_pypi_version(
                request.url, cache=cache, offline=offline, refresh=refresh
            )
            return Answer(version)
        found = remote.resolve_revision(
            with_root(request.url, root),
            request.ref,
            cache=cache,
            offline=offline,
            newest_tag_pattern=request.newest_tag_pattern,
            refresh=refresh,
        )
    except remote.NotCached:
        return None
    fetch_url = None
    if request.url.startswith("github:") and _flake_style(request.target):
        fetch_url = _git_instead(request.url, found.rev, cache, offline=offline)
    return Answer(found.rev, found.ref, found.ref_kind, fetch_url)


def _flake_style(target: str) -> bool:
    """Targets that become flake inputs (python packages are fetched by uv2nix with git)."""
    return not target.startswith("python.")


def _git_instead(url: str, rev: str, cache: object, *, offline: bool) -> str | None:
    """`git+https://github.com/o/r.git` when the repository's .gitattributes uses
    export-subst at `rev`: GitHub's tarball of it then changes over time (its hash breaks),
    so the source is fetched with git instead, as the original did."""
    from . import remote
    from .github import github_uses_export_subst

    owner, _, repo = split_github(url)[0].partition("/")
    try:
        unstable = github_uses_export_subst(owner, repo, rev, cache=cache, offline=offline)
    except remote.NotCached:
        return None
    if not unstable:
        return None
    _log.note(
        f"github:{owner}/{repo} uses export-subst in .gitattributes, so GitHub's tarball of "
        "it changes over time; it is fetched with git instead"
    )
    return f"git+https://github.com/{owner}/{repo}.git"


def _key_path(target: str) -> tuple[str, ...]:
    """Where `target` is written in a TOML config (for the line of a message)."""
    if target.startswith(("flakes.", "python.packages.")):
        return (*target.split(".", 2 if target.startswith("python.") else 1), "rev")
    if target in ("python.ecosystem_date", "R.date"):
        return (target.split(".")[0], target.split(".")[1])
    return (target, "rev")


def located(error: AnysnakeError, request: Request, config_path: Path | None) -> AnysnakeError:
    """`error` of a resolver, saying which value of which file it was resolving."""
    error.message = f"resolving {request.describe()}: {error.message}"
    return at_line(error, request, config_path)


def at_line(error: AnysnakeError, request: Request, config_path: Path | None) -> AnysnakeError:
    """`error` with the file and the line of `request`'s value (or section) in a TOML."""
    if error.file is None and config_path is not None:
        line = None
        if config_path.suffix == ".toml":
            from .._config_text import read_config
            from ..toml_compat.lines import LineFinder

            try:
                # a section not written at all (nixpkgs by default): the file's first line
                line = LineFinder(read_config(config_path)).line(*_key_path(request.target)) or 1
            except (OSError, AnysnakeError):
                line = None
        error.file, error.line = str(config_path), line
    return error
