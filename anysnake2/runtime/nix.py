"""Calling nix: flakes enabled per call, no registry lookups, builds streamed and logged.

`nix_argv` is the one place that knows nix's global flags. A failed build exits 70 with
the last lines of the log and the path of the full log; nix missing: 69.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import deque
from pathlib import Path

from .. import _log, _proc
from ..errors import FailureError

__all__ = ["add_gc_root", "build", "flake_input_paths", "nix_argv", "offline_mode"]

LOG_TAIL_LINES = 25


def _empty_registry(flake_dir: Path) -> Path:
    """An empty flake registry: every input is a full URL, and the global registry download
    costs seconds of retries without network."""
    path = flake_dir / ".empty-registry.json"
    if not path.exists():
        path.write_text('{"flakes": [], "version": 2}\n')
    return path


def offline_mode() -> bool:
    """`--offline` or ANYSNAKE2_OFFLINE=1 (the CLI sets the variable for --offline)."""
    return os.environ.get("ANYSNAKE2_OFFLINE") == "1"


def nix_argv(flake_dir: Path, *args: str) -> list[str]:
    """`nix <args>` with flakes enabled, the empty registry, no dirty-tree warnings (the
    flake directory is git-added, never committed) and, offline, no substituters."""
    nix = _proc.require("nix", why="to build the environment")
    argv = [
        nix,
        "--extra-experimental-features",
        "nix-command flakes",
        "--option",
        "flake-registry",
        str(_empty_registry(flake_dir)),
        "--option",
        "warn-dirty",
        "false",
    ]
    if offline_mode():
        argv += ["--offline", "--option", "substituters", ""]
    return [*argv, *args]


def build(flake_dir: Path, attribute: str, out_link: str, *, log_name: str = "build.log") -> Path:
    """`nix build .#attribute -o out_link` in flake_dir, output streamed with progress.

    The whole log goes to flake_dir/log_name; on failure FailureError (70) carries its
    last lines and its path.
    """
    argv = nix_argv(
        flake_dir, "build", f".#{attribute}", "-o", out_link, "--print-build-logs", "--keep-going"
    )
    log_path = flake_dir / log_name
    _log.note(f"building {attribute} with nix (log: {log_path})")
    _log.debug("running: " + _proc.format_argv(argv))
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            argv,
            cwd=flake_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            tail.append(line.rstrip("\n"))
            if _log.verbosity() >= 2:
                sys.stderr.write(line)
        code = proc.wait()
    if code != 0:
        shown = "\n".join("  | " + line for line in tail)
        raise FailureError(
            f"nix build of {attribute} failed (exit code {code}); last lines of the log:\n{shown}",
            hint=f"the full log is {log_path}",
        )
    return flake_dir / out_link


def flake_input_paths(flake_dir: Path) -> dict[str, str]:
    """Store paths of every (transitive) flake input, named by their input path."""
    proc = _proc.run(nix_argv(flake_dir, "flake", "archive", "--json", "."), cwd=flake_dir)
    found: dict[str, str] = {}

    def walk(prefix: str, node: dict) -> None:
        for name, child in sorted(node.get("inputs", {}).items()):
            key = f"{prefix}{name}"
            found[key] = child["path"]
            walk(key + ".", child)

    walk("", json.loads(proc.stdout))
    return found


def add_gc_root(store_path: str, link: Path) -> None:
    """Register `link` as an indirect GC root for store_path (so garbage collection keeps it)."""
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() and os.readlink(link) == store_path:
        return
    nix_store = _proc.require("nix-store", why="to register GC roots")
    _proc.run([nix_store, "--realise", store_path, "--add-root", str(link), "--indirect"])
