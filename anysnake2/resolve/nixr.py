"""The newest snapshot date of a nixR revision (for `[R]` without `date`).

nixR lists the dates it has snapshots for in `generated/readme.md`; the newest date found
there is the newest R ecosystem that revision can build (as the original read it).
Answers are cached per repository and revision in the shared `ResolveCache`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .._proc import run
from .._util.github import split_github
from ..errors import ConfigError

if TYPE_CHECKING:
    from .cache import ResolveCache

__all__ = ["README_PATH", "newest_nixr_date"]

README_PATH = "generated/readme.md"
NS_DATES = "nixr-newest-date"
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def newest_nixr_date(url: str, rev: str, *, cache: ResolveCache, offline: bool = False) -> str:
    """The newest YYYY-MM-DD in nixR's readme at `rev` of `url` (github: or a local git
    repository: git+file:///path or /path). NotCached when offline and not cached."""
    from .remote import NotCached

    key = f"{url}@{rev}"
    cached = cache.get(NS_DATES, key)
    if isinstance(cached, str):
        return cached
    if offline:
        raise NotCached(f"the newest nixR date of {url} is not in the resolve cache")
    text = _readme(url, rev)
    dates = sorted(set(_DATE.findall(text or "")))
    if not dates:
        raise ConfigError(
            f"nixR at {url} (revision {rev[:12]}) lists no dates in {README_PATH}",
            hint='set [R] date = "YYYY-MM-DD" yourself',
        )
    cache.put(NS_DATES, key, dates[-1])
    return dates[-1]


def _readme(url: str, rev: str) -> str | None:
    if url.startswith("github:"):
        from .github import github_file_text

        owner, _, repo = split_github(url)[0].partition("/")
        return github_file_text(owner, repo, rev, README_PATH)
    location = url.removeprefix("git+")
    location = location.split("?", 1)[0]
    location = location.removeprefix("file://")
    if not location.startswith("/"):
        raise ConfigError(
            f"the newest nixR date can only be looked up for github: or local nixR, not {url}",
            hint='set [R] date = "YYYY-MM-DD"',
        )
    proc = run(["git", "-C", location, "show", f"{rev}:{README_PATH}"], check=False)
    return proc.stdout if proc.returncode == 0 else None
