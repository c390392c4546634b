"""Resolve steps: decisions recorded once and reused (revisions, dates, versions, the
Python lock). Network goes through `_http` (one session, retries) and `pypi` (the one PyPI
client); nothing here imports runtime/ or render/.

- `pins`: `pin_project` (open_values → answers → apply_pins, records in pin_records);
- `remote`, `github`, `nixr`, `pypi`: the resolvers, cached in `cache`;
- `python_lock`, `local_sources`, `editable_deps`, `editable_sdists`, `sdist_backends`:
  the Python lock and what it reads;
- `lockfile`: anysnake2.lock.toml (the pins of an anysnake2.py).
"""

from __future__ import annotations

__all__ = ["ensure_python_lock"]


def __getattr__(name: str) -> object:
    # Lazy: importing the package must not import the lock machinery on the warm path.
    if name == "ensure_python_lock":
        from .python_lock import ensure_python_lock

        return ensure_python_lock
    raise AttributeError(name)
