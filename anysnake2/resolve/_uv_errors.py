"""uv's failure output as an error that says what to do."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .._util.names import normalize_name
from ..errors import ConfigError, NetworkError

if TYPE_CHECKING:
    from .python_lock import LockInput

__all__ = ["uv_error"]

_NETWORK_PATTERNS = (
    "dns error",
    "error sending request",
    "failed to lookup address",
    "tcp connect error",
    "connection refused",
    "connection reset",
    "network is unreachable",
    "operation timed out",
    "request failed after",
    "network connectivity is disabled",
)


def uv_error(spec: LockInput, output: str, *, offline: bool) -> Exception:
    """The error for uv's failure `output`: NetworkError (75) for network trouble (or any
    failure offline), else ConfigError (65) naming the packages concerned."""
    text = output.strip()
    lower = text.lower()
    lines = [
        line
        for line in text.splitlines()
        if not line.startswith(("Using CPython", "Using Python"))
        # Our requires-python is deliberately wider than the locked Python (see DESIGN).
        and "Consider limiting your project's supported Python versions" not in line
    ]
    explanation = "\n".join("  | " + line for line in lines[-30:])
    if offline or any(pattern in lower for pattern in _NETWORK_PATTERNS):
        return NetworkError(
            "uv could not reach the package index while locking the Python packages\n"
            + explanation,
            hint="check the network (or proxy settings in python.uv_lock_env) and run again"
            if not offline
            else "the lock must be made again; run without --offline",
        )
    names = _named_packages(spec, lower)
    named = f" (concerns: {', '.join(names)})" if names else ""
    hint = f"as of the ecosystem date {spec.date}" if spec.date else "as of now"
    pinned = [item.split("=", 1)[0] for item in spec.exclude_newer_packages]
    if any(normalize_name(p) in {normalize_name(n) for n in names} for p in pinned):
        hint += (
            "; a pypi: pin escapes the ecosystem date, but its own dependencies stay "
            "limited to it: pin those with pypi: too, or move the date"
        )
    return ConfigError(
        f"uv could not lock the Python packages{named}:\n{explanation}",
        hint="change the version constraints in [python.packages] so they can be met " + hint,
    )


def _named_packages(spec: LockInput, lower_text: str) -> list[str]:
    names = []
    for line in spec.pyproject.splitlines():
        match = re.match(r'^    "([A-Za-z0-9._-]+)', line)
        if match and re.search(
            r"(?<![a-z0-9_.-])" + re.escape(normalize_name(match.group(1))) + r"(?![a-z0-9_-])",
            normalize_name(lower_text),
        ):
            names.append(match.group(1))
    return names
