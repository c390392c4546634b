"""Resolution: tags, branches and missing values → exact pins, once, recorded.

A project may leave things open: `rev = "24.05"` (a tag), a branch, a flake without `rev`,
a Python package from a branch or `"pypi"` without a version, no `ecosystem_date`. The first
run resolves each (`resolve.remote`: GitHub API, `git ls-remote`, `hg id`, PyPI JSON) and
records the answer where the next run — and every colleague's — reads it: in anysnake2.toml
itself (`toml_compat.record`, comments kept) or, for an anysnake2.py, in anysnake2.lock.toml.

Modes: `offline` uses only what is recorded or cached and refuses the rest (75, naming
each value and where it would be asked; answers found are still recorded); `locked` refuses (65) anything that is not recorded yet; `upgrade`
re-resolves the named targets even though they are recorded.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from .. import _log
from .._util.github import split_github
from .._util.names import is_full_rev
from ..defaults import DEFAULT_NIXPKGS_URL
from ..errors import AnysnakeError, ConfigError, NetworkError, UsageError
from ..model import Input, Nixpkgs, Project
from ..sources import Source, strip_credentials

__all__ = ["Request", "pin_project", "requests_for"]

NIXPKGS_RELEASE_TAG = r"^\d\d\.\d\d$"
RequestKind = Literal["revision", "date", "nixr_date", "pypi_version"]
_ROOT_VARIABLES = ("$ANYSNAKE2_ROOT", "$ANYSNAKE_ROOT")


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


# -- what is open ---------------------------------------------------------------------------
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


def _unpinned(project: Project) -> Project:
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


# -- resolving ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """A resolved value, as recorded."""

    value: str
    ref: str | None = None
    ref_kind: str | None = None
    fetch_url: str | None = None  # fetch with git from here instead (unstable tarball)


def _with_root(url: str, root: Path) -> str:
    for variable in _ROOT_VARIABLES:
        url = url.replace(variable, str(root))
    return url


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


def _resolve(
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
            return Answer(
                newest_nixr_date(_with_root(url, root), rev, cache=cache, offline=offline)
            )
        except remote.NotCached:
            return None
    try:
        if request.kind == "pypi_version":
            version = remote.newest_pypi_version(
                request.url, cache=cache, offline=offline, refresh=refresh
            )
            return Answer(version)
        found = remote.resolve_revision(
            _with_root(request.url, root),
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


def _located(error: AnysnakeError, request: Request, config_path: Path | None) -> AnysnakeError:
    """`error` of a resolver, saying which value of which file it was resolving."""
    error.message = f"resolving {request.describe()}: {error.message}"
    return _at_line(error, request, config_path)


def _at_line(error: AnysnakeError, request: Request, config_path: Path | None) -> AnysnakeError:
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


# -- applying ----------------------------------------------------------------------------
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


def _apply(project: Project, request: Request, answer: Answer) -> Project:
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


# -- records -----------------------------------------------------------------------------
def _lock_entry(request: Request, answer: Answer) -> dict[str, str | None]:
    return {
        "kind": request.kind,
        "url": strip_credentials(request.url) or None,
        "ref": request.ref,
        "ref_kind": answer.ref_kind,
        "value": answer.value,
        "fetch_url": answer.fetch_url,
    }


def _from_lockfile(request: Request, entry: Mapping[str, object]) -> Answer | None:
    """The recorded answer when it answers this very request."""
    if (
        entry.get("kind") != request.kind
        or (entry.get("url") or "") != (strip_credentials(request.url) or "")
        or entry.get("ref") != request.ref
        or not isinstance(entry.get("value"), str)
    ):
        return None
    ref_kind = entry.get("ref_kind")
    fetch_url = entry.get("fetch_url")
    return Answer(
        str(entry["value"]),
        request.ref,
        str(ref_kind) if ref_kind else None,
        str(fetch_url) if fetch_url else None,
    )


def _match_upgrade(names: Collection[str], targets: Collection[str]) -> set[str]:
    """Targets named by `names` (`flakes.hello` or just `hello`); UsageError for unknown."""
    chosen: set[str] = set()
    for name in names:
        if name in targets:
            chosen.add(name)
            continue
        short = [t for t in targets if t.rsplit(".", 1)[-1] == name]
        if len(short) == 1:
            chosen.add(short[0])
            continue
        import difflib

        close = difflib.get_close_matches(name, list(targets), n=3)
        raise UsageError(
            f"nothing called {name!r} can be upgraded in this project",
            hint=("did you mean " + ", ".join(close) + "? " if close else "")
            + "pins: "
            + (", ".join(sorted(targets)) or "(none)"),
        )
    return chosen


def _refuse_hand_written(
    project: Project,
    chosen: Collection[str],
    refs: Mapping[str, object],
    config_path: Path | None,
    force: bool,
) -> None:
    """UsageError naming the chosen targets that hold a value written by hand: pinned in
    the config, but not recorded there by anysnake2 (no marker / no lock file entry)."""
    still_open = {r.target for r in requests_for(project)}
    by_hand = sorted(t for t in chosen if t not in still_open and t not in refs)
    if not by_hand:
        return
    is_python = config_path is not None and config_path.suffix == ".py"
    if force and not is_python:
        _log.warn("--force: replacing values written by hand: " + ", ".join(by_hand))
        return
    where = config_path.name if config_path is not None else "the config"
    raise UsageError(
        f"lock --upgrade does not change values written by hand: {', '.join(by_hand)} "
        f"in {where} (anysnake2 did not record {'it' if len(by_hand) == 1 else 'them'})",
        hint=(
            "change the value in anysnake2.py itself, or delete it there so that anysnake2 "
            "resolves and records it in anysnake2.lock.toml"
            if is_python
            else "edit the value yourself, delete it to have it resolved and recorded, or "
            "add --force to replace it with a newly resolved one"
        ),
    )


def pin_project(
    project: Project,
    root: Path,
    config_path: Path | None,
    *,
    offline: bool = False,
    locked: bool = False,
    upgrade: Collection[str] | None = None,
    force: bool = False,
) -> Project:
    """`project` with every open value pinned, new answers recorded.

    `upgrade`: target names to resolve again although recorded (empty collection: all).
    A named value the user wrote by hand is a UsageError (64) unless `force` (TOML only:
    a value written in anysnake2.py can only be changed there).
    """
    from .cache import ResolveCache
    from .lockfile import lockfile_path, read_lockfile

    is_python_config = config_path is not None and config_path.suffix == ".py"
    refs: dict[str, tuple[str, str | None]] = {}
    if upgrade is not None:
        if config_path is not None and not is_python_config:
            from ..toml_compat.pin_marks import recorded_refs

            refs = recorded_refs(config_path)
        elif config_path is not None:
            pins = read_lockfile(lockfile_path(config_path)).get("pins", {})
            refs = {t: (str(p.get("ref_kind") or ""), p.get("ref")) for t, p in pins.items()}
        open_project = _unpinned(project)
        targets = [r.target for r in requests_for(open_project)]
        if upgrade:
            chosen = _match_upgrade(upgrade, targets)
            _refuse_hand_written(project, chosen, refs, config_path, force)
        else:  # everything anysnake2 recorded; values written by hand stay as they are
            chosen = {t for t in targets if t in refs}
        project = _reopen(project, open_project, chosen, refs)
    else:
        chosen = set()
    requests = requests_for(project)
    recorded = {}
    if is_python_config:
        assert config_path is not None
        recorded = read_lockfile(lockfile_path(config_path)).get("pins", {})
        stale = set(recorded) - {r.target for r in requests}
        if stale and not locked:
            from .lockfile import write_lockfile

            write_lockfile(lockfile_path(config_path), drop=stale)
    if not requests:
        return project
    answers: dict[str, tuple[Request, Answer]] = {}
    missing: list[Request] = []
    for request in requests:
        entry = recorded.get(request.target)
        answer = None
        if entry is not None and request.target not in chosen:
            answer = _from_lockfile(request, entry)
            if answer is not None:
                project = _apply(project, request, answer)
                continue
        missing.append(request)
    if not missing:
        return project
    where = str(config_path) if config_path is not None else "the project"
    if locked:
        names = "; ".join(r.describe() for r in missing)
        error = ConfigError(
            f"--locked: {len(missing)} value(s) of {where} are not recorded yet: {names}",
            hint="run 'anysnake2 lock' (with network access) and commit the result",
        )
        raise _at_line(error, missing[0], config_path)
    cache_dir = root / ".anysnake2_flake"
    cache_dir.mkdir(exist_ok=True)
    cache = ResolveCache(cache_dir / "resolve_cache.json")
    unanswered: list[Request] = []
    try:
        for request in missing:
            refresh = request.target in chosen and not offline
            try:
                answer = _resolve(request, project, root, cache, offline=offline, refresh=refresh)
            except AnysnakeError as error:
                raise _located(error, request, config_path) from None
            if answer is None:
                unanswered.append(request)
                continue
            answers[request.target] = (request, answer)
            project = _apply(project, request, answer)
    finally:
        cache.save()
    if answers:
        _record(answers, config_path, is_python_config)
    if unanswered:
        raise NetworkError(
            f"--offline: {len(unanswered)} value(s) of {where} would have to be resolved "
            "over the network (not in the resolve cache): "
            + "; ".join(r.describe() for r in unanswered),
            hint="run 'anysnake2 lock' once without --offline, then work offline",
        )
    return project


def _reopen(
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


def _record(
    answers: Mapping[str, tuple[Request, Answer]], config_path: Path | None, is_python: bool
) -> None:
    if config_path is None:
        _log.warn(
            "resolved values are not recorded (the project has no config file): "
            + ", ".join(sorted(answers))
        )
        return
    if is_python:
        from .lockfile import lockfile_path, write_lockfile

        path = lockfile_path(config_path)
        write_lockfile(path, pins={t: _lock_entry(req, ans) for t, (req, ans) in answers.items()})
        _log.note(f"recorded {', '.join(sorted(answers))} in {path}")
        return
    from ..toml_compat.pin_marks import Pin
    from ..toml_compat.record import record_pins

    pins = [
        Pin(
            target,
            "date" if request.kind == "nixr_date" else request.kind,  # type: ignore[arg-type]
            answer.value,
            ref=answer.ref,
            ref_kind=answer.ref_kind,  # type: ignore[arg-type]
            fetch_url=answer.fetch_url,
        )
        for target, (request, answer) in sorted(answers.items())
    ]
    try:
        lines = record_pins(config_path, pins)
    except OSError as error:
        _log.warn(
            f"could not record {', '.join(sorted(answers))} in {config_path} "
            f"({error.strerror}): this run uses them, the next one resolves them again; "
            "make the file writable, or run 'anysnake2 lock' where it is"
        )
        return
    for line in lines:
        _log.note(line)
