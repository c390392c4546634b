"""_util.atomic.write_atomic: the one way a whole file is replaced (unique temporary name
beside the target, nothing left behind on failure, light enough for the warm path)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from anysnake2._util.atomic import write_atomic

REPO = Path(__file__).resolve().parent.parent


def test_writes_text_and_bytes_and_skips_an_unchanged_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    assert write_atomic(path, "héllo\n") is True
    assert path.read_bytes() == "héllo\n".encode()
    os.utime(path, (1, 1))
    assert write_atomic(path, "héllo\n".encode(), if_changed=True) is False
    assert path.stat().st_mtime == 1
    assert write_atomic(path, b"new", if_changed=True) is True
    assert path.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_mode_and_replacing_keeps_other_readers_on_the_old_inode(tmp_path: Path) -> None:
    path = tmp_path / "run.sh"
    write_atomic(path, "old", mode=0o755)
    assert path.stat().st_mode & 0o777 == 0o755
    with open(path) as reader:
        write_atomic(path, "new", fsync=True)
        assert reader.read() == "old"
    assert path.read_text() == "new"


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "folder"
    target.mkdir()
    (target / "inside").write_text("x")
    with pytest.raises(OSError):
        write_atomic(target, "cannot replace a non-empty folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


def test_importing_it_loads_neither_pathlib_nor_subprocess() -> None:
    code = (
        "import sys; import anysnake2._util.atomic; "
        "print(sorted({'pathlib', 'subprocess', 'tempfile'} & set(sys.modules)))"
    )
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=REPO, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert proc.stdout.strip() == "[]"
