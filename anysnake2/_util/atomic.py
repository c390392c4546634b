"""Write a file completely or not at all (only `os`: the warm path writes its state with it).

The text goes to a temporary file with a unique name in the same folder, which is then
renamed over the target: a reader sees the old file or the new one, never half of one, and
two writers never share a temporary file.
"""

from __future__ import annotations

import os

__all__ = ["temp_name", "write_atomic"]


def temp_name(path: str | os.PathLike[str]) -> str:
    """A temporary file name beside `path`, unique to this process and call (hidden)."""
    folder, name = os.path.split(os.fspath(path))
    return os.path.join(folder, f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")


def _unchanged(path: str | os.PathLike[str], data: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read() == data
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return False


def write_atomic(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    mode: int | None = None,
    fsync: bool = False,
    if_changed: bool = False,
) -> bool:
    """Replace `path` with `data` (text is written as UTF-8) atomically; returns whether it
    wrote. `mode`: the new file's permission bits (default: what `open` makes, 0o666 less
    the umask); `fsync`: flush the data to disk before the rename (a user's own file);
    `if_changed`: leave a file that already holds `data` untouched."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if if_changed and _unchanged(path, raw):
        return False
    target = os.fspath(path)
    tmp = temp_name(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return True
