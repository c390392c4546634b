"""Resolution: tags, branches and missing values → exact pins, once, recorded.

A project may leave things open: `rev = "24.05"` (a tag), a branch, a flake without `rev`,
a Python package from a branch or `"pypi"` without a version, no `ecosystem_date`. The first
run resolves each (`resolve.remote`: GitHub API, `git ls-remote`, `hg id`, PyPI JSON) and
records the answer where the next run — and every colleague's — reads it: in anysnake2.toml
itself (`toml_compat.record`, comments kept) or, for an anysnake2.py, in anysnake2.lock.toml.

Modes: `offline` uses only what is recorded or cached and refuses the rest (75, naming
each value and where it would be asked; answers found are still recorded); `locked`
refuses (65) anything that is not recorded yet; `upgrade` re-resolves the named targets
even though they are recorded.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from .. import _log
from ..errors import AnysnakeError, ConfigError, NetworkError, UsageError
from ..model import Project
from .answers import Answer, at_line, located, resolve_request
from .apply_pins import apply_answer, reopen
from .open_values import Request, requests_for, unpinned
from .pin_records import from_lockfile, record_answers

__all__ = ["Request", "pin_project", "requests_for"]


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
    is_python_config = config_path is not None and config_path.suffix == ".py"
    chosen: set[str] = set()
    if upgrade is not None:
        project, chosen = _open_upgrades(project, config_path, upgrade, force=force)
    requests = requests_for(project)
    recorded = _lockfile_pins(config_path, requests, locked) if is_python_config else {}
    if not requests:
        return project
    project, missing = _apply_recorded(project, requests, recorded, chosen)
    if not missing:
        return project
    where = str(config_path) if config_path is not None else "the project"
    if locked:
        names = "; ".join(r.describe() for r in missing)
        error = ConfigError(
            f"--locked: {len(missing)} value(s) of {where} are not recorded yet: {names}",
            hint="run 'anysnake2 lock' (with network access) and commit the result",
        )
        raise at_line(error, missing[0], config_path)
    project, answers, unanswered = _resolve_missing(
        project, missing, root, config_path, chosen, offline=offline
    )
    if answers:
        record_answers(answers, config_path, is_python_config)
    if unanswered:
        raise NetworkError(
            f"--offline: {len(unanswered)} value(s) of {where} would have to be resolved "
            "over the network (not in the resolve cache): "
            + "; ".join(r.describe() for r in unanswered),
            hint="run 'anysnake2 lock' once without --offline, then work offline",
        )
    return project


def _open_upgrades(
    project: Project, config_path: Path | None, upgrade: Collection[str], *, force: bool
) -> tuple[Project, set[str]]:
    """`project` with the targets `lock --upgrade` names (all recorded ones when none are
    named) opened again, and those targets."""
    from .lockfile import lockfile_path, read_lockfile

    refs: dict[str, tuple[str, str | None]] = {}
    if config_path is not None and config_path.suffix != ".py":
        from ..toml_compat.pin_marks import recorded_refs

        refs = recorded_refs(config_path)
    elif config_path is not None:
        pins = read_lockfile(lockfile_path(config_path)).get("pins", {})
        refs = {t: (str(p.get("ref_kind") or ""), p.get("ref")) for t, p in pins.items()}
    open_project = unpinned(project)
    targets = [r.target for r in requests_for(open_project)]
    if upgrade:
        chosen = _match_upgrade(upgrade, targets)
        _refuse_hand_written(project, chosen, refs, config_path, force)
    else:  # everything anysnake2 recorded; values written by hand stay as they are
        chosen = {t for t in targets if t in refs}
    return reopen(project, open_project, chosen, refs), chosen


def _lockfile_pins(
    config_path: Path | None, requests: list[Request], locked: bool
) -> dict[str, Mapping[str, object]]:
    """The pins anysnake2.lock.toml records for an anysnake2.py; entries no request asks
    for any more are dropped from the file (unless `locked`)."""
    from .lockfile import lockfile_path, read_lockfile, write_lockfile

    assert config_path is not None
    recorded = read_lockfile(lockfile_path(config_path)).get("pins", {})
    stale = set(recorded) - {r.target for r in requests}
    if stale and not locked:
        write_lockfile(lockfile_path(config_path), drop=stale)
    return recorded


def _apply_recorded(
    project: Project,
    requests: list[Request],
    recorded: Mapping[str, Mapping[str, object]],
    chosen: Collection[str],
) -> tuple[Project, list[Request]]:
    """`project` with the answers the lock file records applied, and the requests left."""
    missing: list[Request] = []
    for request in requests:
        entry = recorded.get(request.target)
        if entry is not None and request.target not in chosen:
            answer = from_lockfile(request, entry)
            if answer is not None:
                project = apply_answer(project, request, answer)
                continue
        missing.append(request)
    return project, missing


def _resolve_missing(
    project: Project,
    missing: list[Request],
    root: Path,
    config_path: Path | None,
    chosen: Collection[str],
    *,
    offline: bool,
) -> tuple[Project, dict[str, tuple[Request, Answer]], list[Request]]:
    """Ask the resolvers (through the resolve cache) for each missing value: the project
    with the answers applied, the answers, and the requests left unanswered (offline)."""
    from .cache import ResolveCache

    cache_dir = root / ".anysnake2_flake"
    cache_dir.mkdir(exist_ok=True)
    cache = ResolveCache(cache_dir / "resolve_cache.json")
    answers: dict[str, tuple[Request, Answer]] = {}
    unanswered: list[Request] = []
    try:
        for request in missing:
            refresh = request.target in chosen and not offline
            try:
                answer = resolve_request(
                    request, project, root, cache, offline=offline, refresh=refresh
                )
            except AnysnakeError as error:
                raise located(error, request, config_path) from None
            if answer is None:
                unanswered.append(request)
                continue
            answers[request.target] = (request, answer)
            project = apply_answer(project, request, answer)
    finally:
        cache.save()
    return project, answers, unanswered
