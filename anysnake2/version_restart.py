"""Restarting into the pinned anysnake2 (see version_switch): the uv or nix command line,
running it, and what `--offline` allows. A restarted anysnake2 creates the file named by
STARTED_ENV first thing (`_fast.main`); without it uv or nix failed to start the pinned
version, and their exit status is reported in our codes (70, or 75 offline).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Sequence

    from .version_pin import Pin

__all__ = [
    "STARTED_ENV",
    "nix_shell_argv",
    "refuse_offline",
    "restart_argv",
    "run_switched",
    "uv_argv",
]

STARTED_ENV = "ANYSNAKE2_SWITCH_STARTED"


def _uv() -> str:
    try:
        from .resolve.python_lock import uv_binary

        return uv_binary()
    except Exception:  # noqa: BLE001 - the uv wheel missing: fall back to PATH
        from . import _proc

        return _proc.require("uv", why="to restart into the anysnake2 version the project pins")


def uv_argv(pin: Pin, args: Sequence[str], *, uv: str) -> list[str]:
    """`uv tool run --from anysnake2==X [sources] anysnake2 <args>`.

    Only find-links (no index URL) means `--no-index`: nothing comes from a default index.
    Offline (ANYSNAKE2_OFFLINE=1) uv uses its cache and local find-links only.
    """
    argv = [uv, "tool", "run", "--from", f"anysnake2=={pin.version}"]
    if os.environ.get("ANYSNAKE2_OFFLINE") == "1":
        argv.append("--offline")
    if pin.index_url:
        argv += ["--index-url", pin.index_url]
    for location in pin.find_links:
        argv += ["--find-links", location]
    if pin.find_links and not pin.index_url:
        argv.append("--no-index")
    return [*argv, "anysnake2", *args]


def nix_shell_argv(flake: str, args: Sequence[str], *, nix: str = "nix") -> list[str]:
    """`nix shell <url>?rev=<sha> -c anysnake2 <args>` with the flags of runtime.nix_argv
    (the empty registry lives in anysnake2's cache folder: there is no flake folder yet)."""
    from ._util.nix_flags import empty_registry, global_flags

    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    registry = empty_registry(os.path.join(cache, "anysnake2"))
    return [nix, *global_flags(registry), "shell", flake, "-c", "anysnake2", *args]


def restart_argv(pin: Pin, args: Sequence[str]) -> list[str]:
    """The argument list that runs the pinned version with `args`."""
    if pin.flake:
        from . import _proc

        return nix_shell_argv(pin.flake, args, nix=_proc.require("nix", why="to run the pin"))
    return uv_argv(pin, args, uv=_uv())


def _run_child(argv: list[str], env: dict[str, str]) -> int:
    """Run the restarted anysnake2; Ctrl-C belongs to it, SIGTERM is passed on."""
    import signal
    import subprocess

    from . import _log, _proc

    _log.debug(f"running: {_proc.format_argv(argv)}")
    # Not _proc.run: the child shares our terminal and signals must reach it.
    # A handler, not SIG_IGN (which the child would inherit).
    previous_int = signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        process = subprocess.Popen(argv, env=env)
    except FileNotFoundError:
        signal.signal(signal.SIGINT, previous_int)
        from .errors import ToolUnavailableError

        raise ToolUnavailableError(f"'{argv[0]}' was not found") from None
    previous_term = signal.signal(signal.SIGTERM, lambda signum, frame: process.send_signal(signum))
    try:
        status = process.wait()
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
    return 128 - status if status < 0 else status


def _source_text(pin: Pin) -> str:
    """Where the pinned version comes from, for messages."""
    if pin.flake:
        return f"the flake {pin.flake}"
    places = ([pin.index_url] if pin.index_url else []) + list(pin.find_links)
    return "uv from " + ", ".join(places)


def _is_local(location: str) -> bool:
    return location.startswith(("/", "file://", "git+file://", "path:"))


def refuse_offline(pin: Pin) -> None:
    """NetworkError (75) when starting the pinned version offline would need the network.

    A flake must be local; uv runs with `--offline` (its cache and local find-links only).
    """
    if pin.flake and not _is_local(pin.flake):
        from .errors import NetworkError

        raise NetworkError(
            f"--offline: not switching to anysnake2 {pin.version}: that would fetch "
            f"{_source_text(pin)}",
            hint="run once without --offline, or pass --no-version-switch",
        )


def _quoted_failure(probe: list[str] | None, env: dict[str, str]) -> str:
    """What uv or nix said when starting the pin failed: `probe` (the same start with
    `anysnake2 version`) run again with its output captured, the last lines quoted. Only
    after a failure, so a working switch costs nothing; the child itself keeps the terminal.
    """
    import subprocess

    if probe is None:
        return ""
    try:
        proc = subprocess.run(
            probe, env=env, capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = [line for line in (proc.stderr or "").strip().splitlines() if line.strip()]
    if proc.returncode == 0 or not lines:
        return ""
    return "\n" + "\n".join("  | " + line for line in lines[-12:])


def run_switched(
    pin: Pin,
    restart: list[str],
    env: dict[str, str],
    *,
    offline: bool,
    probe: list[str] | None = None,
) -> int:
    """Run the restarted anysnake2; our codes (with uv's or nix's message quoted, from
    running `probe` again) when uv or nix could not start it."""
    import tempfile

    from .errors import FailureError, NetworkError

    with tempfile.TemporaryDirectory(prefix="anysnake2-switch-") as folder:
        marker = os.path.join(folder, "started")
        status = _run_child(restart, {**env, STARTED_ENV: marker})
        if os.path.exists(marker):
            return status
        quoted = _quoted_failure(probe, {**env, STARTED_ENV: marker})
    tool = os.path.basename(restart[0])
    what = f"anysnake2 {pin.version} could not be started ({tool} exit {status}){quoted}"
    if offline:
        raise NetworkError(
            f"--offline: {what}\n  it is not in the local cache, and would be fetched from "
            f"{_source_text(pin)}",
            hint="run once without --offline, or pass --no-version-switch",
        )
    raise FailureError(
        f"{what}\n  from {_source_text(pin)}",
        hint="check [anysnake2] version and its source, or pass --no-version-switch",
    )
