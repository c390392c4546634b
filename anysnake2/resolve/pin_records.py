"""Where resolved answers are recorded and read back: anysnake2.toml itself (through
`toml_compat.record`, comments kept) or, for an anysnake2.py, anysnake2.lock.toml."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .. import _log
from ..sources import strip_credentials
from .answers import Answer
from .open_values import Request

__all__ = ["from_lockfile", "record_answers"]


def _lock_entry(request: Request, answer: Answer) -> dict[str, str | None]:
    return {
        "kind": request.kind,
        "url": strip_credentials(request.url) or None,
        "ref": request.ref,
        "ref_kind": answer.ref_kind,
        "value": answer.value,
        "fetch_url": answer.fetch_url,
    }


def from_lockfile(request: Request, entry: Mapping[str, object]) -> Answer | None:
    """The recorded answer when it answers this very request."""
    if (
        entry.get("kind") != request.kind
        or (entry.get("url") or "") != (strip_credentials(request.url) or "")
        or entry.get("ref") != request.ref
        or not isinstance(entry.get("value"), str)
    ):
        return None
    ref_kind = entry.get("ref_kind")
    fetch_url = entry.get("fetch_url")
    return Answer(
        str(entry["value"]),
        request.ref,
        str(ref_kind) if ref_kind else None,
        str(fetch_url) if fetch_url else None,
    )


def record_answers(
    answers: Mapping[str, tuple[Request, Answer]], config_path: Path | None, is_python: bool
) -> None:
    if config_path is None:
        _log.warn(
            "resolved values are not recorded (the project has no config file): "
            + ", ".join(sorted(answers))
        )
        return
    if is_python:
        from .lockfile import lockfile_path, write_lockfile

        path = lockfile_path(config_path)
        write_lockfile(path, pins={t: _lock_entry(req, ans) for t, (req, ans) in answers.items()})
        _log.note(f"recorded {', '.join(sorted(answers))} in {path}")
        return
    from ..toml_compat.pin_marks import Pin
    from ..toml_compat.record import record_pins

    pins = [
        Pin(
            target,
            "date" if request.kind == "nixr_date" else request.kind,  # type: ignore[arg-type]
            answer.value,
            ref=answer.ref,
            ref_kind=answer.ref_kind,  # type: ignore[arg-type]
            fetch_url=answer.fetch_url,
        )
        for target, (request, answer) in sorted(answers.items())
    ]
    try:
        lines = record_pins(config_path, pins)
    except OSError as error:
        _log.warn(
            f"could not record {', '.join(sorted(answers))} in {config_path} "
            f"({error.strerror}): this run uses them, the next one resolves them again; "
            "make the file writable, or run 'anysnake2 lock' where it is"
        )
        return
    for line in lines:
        _log.note(line)
