"""The console entry point, with the warm path in front of everything else.

When nothing changed since the last successful build (raw bytes of config, locks and
flake.nix hashed: `runtime.state`), a `run -- ARGV` or a project command starts the stored
container command at once: no TOML parsing, no model, no rendering, no nix/uv/git
process, and only light standard-library imports. Anything unusual (options, built-in
commands, a stale or missing stored command) takes the full path through `cli.main`.
"""

from __future__ import annotations

import os
import sys

from ._discover import config_path
from ._names import RESERVED_COMMANDS

__all__ = ["main", "try_warm"]


_NESTING_VARS = ("SINGULARITY_NAME", "APPTAINER_NAME", "ANYSNAKE2_INSIDE")


def try_warm(argv: list[str]) -> int | None:
    """Run the command from stored files if nothing changed; None to take the full path."""
    rest = list(argv)
    explicit = None
    if rest[:1] in (["-c"], ["--config"]) and len(rest) >= 2:
        explicit, rest = rest[1], rest[2:]
    if rest and rest[0].startswith("-"):
        return None
    name = rest[0] if rest else "default"
    args = rest[1:]
    if name != "run" and name in RESERVED_COMMANDS:
        return None
    if name == "run":
        if args[:1] != ["--"] or len(args) < 2:
            return None
        args = args[1:]
        if any(len(a) >= 2 and a[0] == a[-1] == "'" for a in args):
            return None  # the full path explains the quoting difference
    if any(os.environ.get(var) for var in _NESTING_VARS) or os.environ.get("ANYSNAKE2_NO_WARM"):
        return None
    config = config_path(explicit)
    if config is None:
        return None
    root = os.path.dirname(os.path.abspath(config))
    if os.path.exists(os.path.join(root, ".anysnake2_flake", "version_pin_not_honoured")):
        return None  # the pin differs from what built here: the full path decides again
    from ._version import __version__
    from .runtime import state

    if not state.is_fresh(root, __version__):
        return None
    from .runtime.start import run_stored

    return run_stored(root, name, args)


_VERSION_ARGS = (["version"], ["--version"], ["-V"])


def _pins_this_version(config: str, version: str) -> bool:
    """True when `config` plainly pins no other anysnake2 than `version` (no restart).

    Read as raw text: the `[anysnake2]` table's `version` of a TOML file, the PEP 723
    header of an anysnake2.py. Anything unusual is False: the full path decides.
    """
    try:
        with open(config, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return False
    if config.endswith(".py"):
        if "# /// script" not in text:
            return True
        header = text.split("# /// script", 1)[1].split("# ///", 1)[0]
        return "anysnake2" not in header or (
            header.count("anysnake2") == 1 and f'"anysnake2=={version}"' in header
        )
    inside = False
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].strip()
        if stripped.startswith("["):
            inside = stripped.replace(" ", "") == "[anysnake2]"
        elif stripped.startswith(("anysnake2", '"anysnake2"')):
            return False  # a dotted key or an inline table: not a plain case
        elif inside and stripped.split("=", 1)[0].strip() == "version":
            return stripped.split("=", 1)[1].strip() in (f'"{version}"', '"dev"')
    return True


def _plain_version(args: list[str]) -> int | None:
    """`anysnake2 version` without the CLI when no other version is pinned here."""
    if args not in _VERSION_ARGS:
        return None
    from ._version import __version__

    config = config_path(None)
    if config is not None:
        marker = os.path.join(
            os.path.dirname(config), ".anysnake2_flake", "version_pin_not_honoured"
        )
        if os.path.exists(marker) or not _pins_this_version(config, __version__):
            return None  # the full path decides (and updates the marker)
    sys.stdout.write(f"anysnake2 {__version__}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`anysnake2` console script: warm path first, else the full CLI."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["__complete"]:  # one TAB: before anything else is imported
        from ._complete import main as complete

        return complete(args[1:])
    started = os.environ.pop("ANYSNAKE2_SWITCH_STARTED", None)  # version_switch.STARTED_ENV
    if started:
        try:
            os.close(os.open(started, os.O_WRONLY | os.O_CREAT, 0o600))
        except OSError:
            pass
    try:
        status = _plain_version(args)
        if status is None:
            status = try_warm(args)
    except KeyboardInterrupt:
        return 130
    if status is not None:
        return status
    from .cli import main as cli_main

    return cli_main(args)
