"""A small immutable, hashable mapping for the frozen model."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

__all__ = ["FrozenMap"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V], Generic[K, V]):
    """A read-only dict. Equality ignores order (as dict's does); hashing is by content.

    >>> FrozenMap({"b": 1, "a": 2}) == {"a": 2, "b": 1}
    True
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[K, V] | None = None, /, **kwargs: V) -> None:
        merged: dict[Any, V] = dict(data or {})
        merged.update(kwargs)
        object.__setattr__(self, "_data", merged)
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(
                self, "_hash", hash(frozenset((k, _hashable(v)) for k, v in self._data.items()))
            )
        return self._hash  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("FrozenMap is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))

    def set(self, key: K, value: V) -> FrozenMap[K, V]:
        """A copy with `key` set to `value`."""
        data = dict(self._data)
        data[key] = value
        return FrozenMap(data)

    def without(self, key: K) -> FrozenMap[K, V]:
        """A copy without `key` (no error when absent)."""
        data = dict(self._data)
        data.pop(key, None)
        return FrozenMap(data)

    def sorted_items(self) -> list[tuple[K, V]]:
        """Items sorted by key: the order every writer uses."""
        return sorted(self._data.items(), key=lambda kv: str(kv[0]))


def _hashable(value: object) -> object:
    if isinstance(value, (list, dict)):
        return repr(value)
    return value
