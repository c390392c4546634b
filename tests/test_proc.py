"""The one subprocess runner: a failed command is a FailureError with its command, exit
status and output tails as fields (credentials masked), and the same message as always."""

from __future__ import annotations

import pytest

from anysnake2 import _proc
from anysnake2.errors import FailureError, IOFailureError

SECRET = "s3cretPW-long"
SCRIPT = (
    "for i in $(seq 1 150); do echo out$i; done; "
    "echo 'cloning git+https://alice:" + SECRET + "@example.com/r' >&2; echo last-err >&2; exit 3"
)


def test_a_failed_command_carries_its_fields_masked() -> None:
    argv = ["bash", "-c", SCRIPT, "x", SECRET]
    with pytest.raises(FailureError) as caught:
        _proc.run(argv, redact=[SECRET])
    error = caught.value
    assert error.exit_code == 70 and error.returncode == 3
    assert error.command == (
        "bash",
        "-c",
        SCRIPT.replace(SECRET, "***").replace("alice:***@", ""),
        "x",
        "***",
    )
    assert error.stderr == "cloning git+https://example.com/r\nlast-err"
    out = error.stdout.splitlines()
    assert len(out) == _proc.OUTPUT_TAIL_LINES and out[-1] == "out150" and out[0] == "out51"
    assert error.message.startswith("bash -c ") and " failed with exit code 3\n" in error.message
    assert error.message.endswith("  | cloning git+https://example.com/r\n  | last-err")
    assert SECRET not in error.render()


def test_what_names_the_step_and_a_full_disk_is_74() -> None:
    with pytest.raises(FailureError) as caught:
        _proc.run(["bash", "-c", "exit 5"], what="uv lock")
    assert caught.value.message == "uv lock failed with exit code 5\n  command: bash -c 'exit 5'"
    assert caught.value.stdout == caught.value.stderr == ""
    with pytest.raises(IOFailureError) as full:
        _proc.run(["bash", "-c", "echo 'write: No space left on device' >&2; exit 1"])
    assert full.value.exit_code == 74


def test_without_check_the_caller_gets_the_process() -> None:
    proc = _proc.run(["bash", "-c", "echo hi; exit 4"], check=False)
    assert proc.returncode == 4 and proc.stdout == "hi\n"


def test_a_secret_containing_a_known_shorter_one_is_masked_whole() -> None:
    from anysnake2 import _redact

    _redact.known("https://example.org/short", SECRET[:6])
    try:
        with pytest.raises(FailureError) as caught:
            _proc.run(["bash", "-c", "echo " + SECRET + " >&2; exit 1"], redact=[SECRET])
    finally:
        _redact._KNOWN.pop("https://example.org/short")
    assert caught.value.stderr == "***"
    assert "PW-long" not in caught.value.render()
