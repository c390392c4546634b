"""Record the running anysnake2 version in an unpinned anysnake2.toml (text in, text out).

tomlkit keeps comments and layout; reading and writing the file (line ends, permissions,
atomically) are the caller's.
"""

from __future__ import annotations

__all__ = ["with_anysnake2_version"]


def with_anysnake2_version(text: str, version: str) -> str | None:
    """`text` with `version = "<version>"` in its `[anysnake2]` table, which is created
    before the first table when missing. None when nothing is to change: the text does
    not parse (the loader reports that with its line), the table has a version already
    (recorded meanwhile by an anysnake2 started at the same time), or `anysnake2` is not a
    table."""
    import tomlkit
    from tomlkit.exceptions import ParseError
    from tomlkit.items import AoT, Table

    try:
        doc = tomlkit.parse(text)
    except ParseError:
        return None
    existing = doc.get("anysnake2")
    if isinstance(existing, Table):
        if "version" in existing:
            return None
        existing.add("version", version)
    elif existing is None:
        table = tomlkit.table()
        table.add("version", version)
        first = next(
            (i for i, (_, item) in enumerate(doc.body) if isinstance(item, (Table, AoT))), None
        )
        if first is None:
            doc.add("anysnake2", table)
        else:
            table.add(tomlkit.nl())
            doc._insert_at(first, "anysnake2", table)  # tomlkit has no public insert
    else:
        return None
    return tomlkit.dumps(doc)
