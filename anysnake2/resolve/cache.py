"""The on-disk resolve cache: one JSON file shared by all resolvers.

Layout: ``{namespace: {key: value}}`` with sorted keys, so the file diffs well and the
same answers always give the same bytes. Keys never contain credentials (callers pass
URLs through `anysnake2.sources.strip_credentials`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import _log
from .._util.atomic import write_atomic

__all__ = ["DEFAULT_CACHE_PATH", "ResolveCache"]

DEFAULT_CACHE_PATH = Path(".anysnake2_flake") / "resolve_cache.json"


class ResolveCache:
    """One JSON file (default .anysnake2_flake/resolve_cache.json), shared by all resolvers.

    Sorted keys, written atomically (tmp + rename), only when changed. A corrupt file is
    treated as empty with a warning.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._data: dict[str, dict[str, Any]] = self._load()
        self._dirty = False

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            _log.warn(f"could not read the resolve cache {self.path} ({exc}); ignoring it")
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            _log.warn(f"the resolve cache {self.path} is not valid JSON; starting afresh")
            return {}
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            _log.warn(f"the resolve cache {self.path} has an unexpected shape; starting afresh")
            return {}
        return data

    def get(self, namespace: str, key: str) -> Any | None:
        """The cached value, or None when there is none."""
        return self._data.get(namespace, {}).get(key)

    def put(self, namespace: str, key: str, value: Any) -> None:
        """Store a JSON-serialisable value (marks the cache changed only if it differs)."""
        # Round-trip so later comparisons see what the file would hold (tuples -> lists).
        value = json.loads(json.dumps(value))
        space = self._data.setdefault(namespace, {})
        if space.get(key, _MISSING) != value:
            space[key] = value
            self._dirty = True

    def save(self) -> None:
        """Write the file (atomically) if anything changed since loading or the last save."""
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self._data, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
        write_atomic(self.path, text)
        self._dirty = False


_MISSING = object()
