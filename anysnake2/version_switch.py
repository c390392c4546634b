"""Pinning anysnake2 itself: restart into the version a project pins (issue #12).

The pin is read without loading the project (a wrong version must not import the user's
anysnake2.py): `version_pin.read_pin`, from the `[anysnake2]` table of anysnake2.toml, or
the PEP 723 header of an anysnake2.py (`dependencies = ["anysnake2==X"]`, `[tool.uv]
index-url / find-links`).

Where the pinned version comes from must be explicit: the name `anysnake2` on a default
index could belong to anyone. Sources, in this order: a flake (`[anysnake2] url` with a full
revision, run with `nix shell`), else index/find-links locations (ANYSNAKE2_INDEX_URL and
ANYSNAKE2_FIND_LINKS, comma-separated, override the config). Without one the pin is not
honoured: a warning says how to configure a source, and the running version goes on.

The restarted child gets ANYSNAKE2_VERSION_SWITCHED=<X>: it never switches again.

When a differing pin is not honoured, a marker file in `.anysnake2_flake/` keeps the warm
path (`_fast`) from starting an environment built by the wrong version without asking again.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from .context import Context

from .version_pin import FIND_LINKS_ENV, INDEX_URL_ENV, Pin, read_pin
from .version_restart import (
    nix_shell_argv,
    refuse_offline,
    restart_argv,
    run_switched,
    uv_argv,
)

__all__ = [
    "FIND_LINKS_ENV",
    "INDEX_URL_ENV",
    "NOT_HONOURED_MARKER",
    "SWITCHED_ENV",
    "Pin",
    "maybe_switch",
    "nix_shell_argv",
    "read_pin",
    "record_running_version",
    "restart_argv",
    "uv_argv",
]

SWITCHED_ENV = "ANYSNAKE2_VERSION_SWITCHED"
_SAVED_PYTHONPATH_ENV = "ANYSNAKE2_SAVED_PYTHONPATH"
# Relative to the project root; `_fast` checks it with one stat.
NOT_HONOURED_MARKER = os.path.join(".anysnake2_flake", "version_pin_not_honoured")

# Commands that never restart (they read the config or print, and run no other program) ...
NO_SWITCH_COMMANDS = frozenset({"check", "completion", "config", "convert", "help", "version"})
# ... and those that read but do not build, run or lock: no version is recorded for them.
NO_RECORD_COMMANDS = frozenset(
    {"attach", "check", "completion", "config", "convert", "help", "version"}
)

# -- the hook -------------------------------------------------------------------------------


def _set_marker(root: Path, pin: Pin | None, running: str) -> None:
    """Mark (or unmark) that the pin differs from the version that builds here."""
    path = root / NOT_HONOURED_MARKER
    if pin is None:
        if path.exists():
            path.unlink()
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"pinned {pin.version}, running {running}\n", encoding="utf-8")
    except OSError:
        pass  # a read-only project: the warm path then may run without asking


def _no_source_message(pin: Pin, running: str) -> str:
    return (
        f"the project pins anysnake2 {pin.version} ({pin.where}), but no source for it is "
        f"configured, so anysnake2 {running} runs instead. anysnake2 never fetches itself "
        'from a default index. Configure one: [anysnake2] find_links = "<folder of wheels>" '
        'or index_url = "<index>", ANYSNAKE2_FIND_LINKS / ANYSNAKE2_INDEX_URL, or '
        '[anysnake2] url = "<flake>" with rev = "<40-character commit>"'
    )


def _take_switched_env() -> str | None:
    """The version a parent restarted us as (None: not restarted); the variables are
    removed, so our own children see none of them (PYTHONPATH comes back for them)."""
    switched_to = os.environ.pop(SWITCHED_ENV, None)  # not for our own grandchildren
    saved_pythonpath = os.environ.pop(_SAVED_PYTHONPATH_ENV, None)
    if saved_pythonpath is not None:
        os.environ["PYTHONPATH"] = saved_pythonpath
    return switched_to


def maybe_switch(ctx: Context, rest: Sequence[str], argv: Sequence[str]) -> int | None:
    """Restart into the pinned version when needed: the child's exit status, or None to go on.

    `rest` is the command line after the global options (rest[0] the command), `argv` the
    whole command line given to the child unchanged.
    """
    from . import _log
    from ._version import __version__
    from .errors import AnysnakeError

    command = rest[0] if rest else "default"
    _log.debug(f"this is anysnake2 {__version__}")
    switched_to = _take_switched_env()
    if command in NO_SWITCH_COMMANDS:
        if command == "check":
            _note_other_pin(ctx, __version__)
        return None
    try:
        config = ctx.config_path
    except AnysnakeError:
        return None  # no config: the command itself says so, or needs none (version)
    pin = read_pin(config)
    if command not in NO_RECORD_COMMANDS and pin.version is None and pin.problem is None:
        record_running_version(config, locked=ctx.locked)
    if _keep_running(config.parent, pin, switched_to, no_switch=ctx.no_version_switch):
        return None
    if ctx.offline:
        refuse_offline(pin)
    explicit = ctx.config_arg is not None
    return _restart(pin, argv, config, explicit_config=explicit, offline=ctx.offline)


def _keep_running(root: Path, pin: Pin, switched_to: str | None, *, no_switch: bool) -> bool:
    """True when this version goes on (saying why where it matters, and marking a pin not
    honoured); False when the pinned version is to be started."""
    from . import _log
    from ._version import __version__

    unpinned = pin.version is None and pin.problem is None
    if unpinned or pin.version in ("dev", __version__):
        if pin.version == "dev":
            _log.debug("[anysnake2] version = 'dev': no version switch")
        elif pin.version is not None and switched_to is not None:
            _log.debug(f"restarted as anysnake2 {__version__}, as pinned")
        _set_marker(root, None, __version__)
        return True
    if switched_to is not None:
        _log.warn(
            f"restarted to run anysnake2 {switched_to}, but this is anysnake2 {__version__} "
            f"(and the project pins {pin.version}); not switching again"
        )
    elif pin.problem is not None and pin.version is None:
        _log.warn(f"{pin.problem}; anysnake2 {__version__} runs instead")
    elif no_switch:
        _log.note(f"not switching to anysnake2 {pin.version}: --no-version-switch")
    else:
        if pin.problem is not None and not (pin.index_url or pin.find_links):
            _log.warn(pin.problem)
        if pin.has_source():
            return False
        _log.warn(_no_source_message(pin, __version__))
    _set_marker(root, pin, __version__)
    return True


def _restart(
    pin: Pin, argv: Sequence[str], config: Path, *, explicit_config: bool, offline: bool
) -> int:
    """Run the pinned version with `argv` (and our config, when started from elsewhere);
    its exit status."""
    from pathlib import Path

    from . import _log
    from ._version import __version__

    args = list(argv)
    if not explicit_config and Path.cwd() != config.parent:
        args = ["-c", str(config), *args]  # an anysnake2.py started from elsewhere
    restart = restart_argv(pin, args)
    _log.note(f"restarting with anysnake2 {pin.version} (this is {__version__})")
    env = dict(os.environ)
    env[SWITCHED_ENV] = str(pin.version)
    # PYTHONPATH would let the child import another anysnake2 than the pinned one; the
    # child puts it back for what it starts (the container, hooks).
    if "PYTHONPATH" in env:
        env[_SAVED_PYTHONPATH_ENV] = env.pop("PYTHONPATH")
    sys.stdout.flush()
    probe = restart_argv(pin, ["version"])
    return run_switched(pin, restart, env, offline=offline, probe=probe)


def _note_other_pin(ctx: Context, running: str) -> None:
    """`check` never restarts: it says when the project pins another anysnake2."""
    from . import _log
    from .errors import AnysnakeError

    try:
        pin = read_pin(ctx.config_path)
    except (AnysnakeError, OSError):
        return  # the loader reports it with its line
    if pin.version not in (None, "dev", running):
        _log.note(f"the project pins anysnake2 {pin.version}; checked with anysnake2 {running}")


# -- recording ------------------------------------------------------------------------------


def record_running_version(config: Path, *, locked: bool) -> bool:
    """Write `version = "<running>"` into `[anysnake2]` of an unpinned anysnake2.toml.

    Comments and layout are kept (tomlkit); the table is created before the first table
    when missing. anysnake2.py files are not touched: the version goes into the lock file
    beside them. With `locked` only a warning. True when a file was changed.
    """
    from . import _log
    from ._version import __version__

    if locked:
        _log.warn(
            f"{config} pins no anysnake2 version (--locked: not recording {__version__}); "
            f'add [anysnake2] version = "{__version__}"'
        )
        return False
    if config.suffix == ".py":  # the user's code is never rewritten: the lock file beside it
        return _record_in_lockfile(config, __version__)
    return _record_in_toml(config, __version__)


def _record_in_lockfile(config: Path, version: str) -> bool:
    from . import _log
    from .resolve.lockfile import lockfile_path, write_lockfile

    try:
        write_lockfile(lockfile_path(config), version=version)
    except OSError as error:
        _log.warn(f"could not record the anysnake2 version beside {config} ({error.strerror})")
        return False
    _log.note(f'recorded anysnake2 version "{version}" in {lockfile_path(config)}')
    return True


def _record_in_toml(config: Path, version: str) -> bool:
    from . import _log
    from .toml_compat.pin_marks import read_config_text, write_config_text
    from .toml_compat.version_record import with_anysnake2_version

    path, text, crlf = read_config_text(config)
    new = with_anysnake2_version(text, version)
    if new is None:
        return False
    # Atomically: a second anysnake2 started at the same moment must never read half a file.
    try:
        write_config_text(path, new, crlf)
    except OSError as error:
        _log.warn(
            f"could not record the anysnake2 version in {config} ({error.strerror}); "
            f'add [anysnake2] version = "{version}" yourself'
        )
        return False
    _log.note(f'recorded [anysnake2] version = "{version}" in {config}')
    return True
