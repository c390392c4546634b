"""The warm-path decision: did anything change since the last successful build?

Standard library only (os, sha256), no TOML parsing, no model, no subprocess: the
decision hashes the raw bytes of the files that define the environment (the config, the
local modules an anysnake2.py imported, the lock files, the generated flake.nix) plus the
project root and the anysnake2 version, and compares with the hash stored after the last
successful build. Anything missing or unfinished means "not fresh".
"""

from __future__ import annotations

import os

try:  # the bare sha256 module: `hashlib` loads OpenSSL's _hashlib too (a few ms)
    from _sha2 import sha256  # Python 3.12+
except ImportError:
    try:
        from _sha256 import sha256  # Python 3.10, 3.11
    except ImportError:
        from hashlib import sha256

__all__ = [
    "FLAKE_DIR",
    "STATE_FILE",
    "UNFINISHED_MARKER",
    "clear_state",
    "inputs_hash",
    "is_fresh",
    "lock_files",
    "read_state",
    "write_state",
]

FLAKE_DIR = ".anysnake2_flake"
STATE_FILE = "built.state"
UNFINISHED_MARKER = ".build_unfinished"
# Lock files beside the config that change what gets built (written by the resolve steps).
LOCK_NAMES = ("anysnake2.uv.lock", "anysnake2.lock.toml")


def lock_files(root: str) -> list[str]:
    """The lock files beside the config that take part in the decision."""
    return [os.path.join(root, name) for name in LOCK_NAMES]


def inputs_hash(root: str, files: list[str], version: str) -> str:
    """sha256 over the root path, the version and each file's path and bytes (or absence)."""
    digest = sha256()
    digest.update(f"anysnake2 {version}\0root {root}\0".encode())
    for path in files:
        digest.update(path.encode() + b"\0")
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            digest.update(b"<missing>\0")
            continue
        digest.update(str(len(data)).encode() + b"\0" + data)
    return digest.hexdigest()


def _state_path(root: str) -> str:
    return os.path.join(root, FLAKE_DIR, STATE_FILE)


def read_state(root: str) -> tuple[str, list[str]] | None:
    """(hash, files) stored at the last successful build, or None."""
    try:
        with open(_state_path(root), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not lines or not lines[0].startswith("sha256:"):
        return None
    return lines[0][len("sha256:") :], lines[1:]


def write_state(root: str, files: list[str], version: str) -> None:
    """Record the inputs of a successful build (atomically)."""
    path = _state_path(root)
    text = "sha256:" + inputs_hash(root, files, version) + "\n" + "".join(f + "\n" for f in files)
    from .._util.atomic import write_atomic

    write_atomic(path, text)


def clear_state(root: str) -> None:
    """Forget the last build (the next decision says 'not fresh')."""
    try:
        os.unlink(_state_path(root))
    except FileNotFoundError:
        pass


def is_fresh(root: str, version: str) -> bool:
    """True when nothing changed since the last successful build and its result is there."""
    flake_dir = os.path.join(root, FLAKE_DIR)
    if os.path.exists(os.path.join(flake_dir, UNFINISHED_MARKER)):
        return False
    if not os.path.isdir(os.path.join(flake_dir, "result", "rootfs")):
        return False
    state = read_state(root)
    if state is None:
        return False
    stored, files = state
    return inputs_hash(root, files, version) == stored
