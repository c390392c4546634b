"""Calling nix: flakes enabled per call, no registry lookups, builds streamed and logged.

`nix_argv` gives nix its global flags (`_util.nix_flags`). A failed build exits 70 with
the last lines of the log and the path of the full log; nix missing: 69.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from .. import _log, _proc, credentials
from .._util.nix_flags import empty_registry, global_flags
from ..errors import AnysnakeError, FailureError

__all__ = ["add_gc_root", "build", "flake_input_paths", "nix_argv", "offline_mode"]

LOG_TAIL_LINES = 25


def offline_mode() -> bool:
    """`--offline` or ANYSNAKE2_OFFLINE=1 (the CLI sets the variable for --offline)."""
    return os.environ.get("ANYSNAKE2_OFFLINE") == "1"


def nix_argv(flake_dir: Path, *args: str) -> list[str]:
    """`nix <args>` with flakes enabled, the empty registry, no dirty-tree warnings (the
    flake directory is git-added, never committed) and, offline, no substituters."""
    nix = _proc.require("nix", why="to build the environment")
    return [nix, *global_flags(empty_registry(str(flake_dir))), *args]


#: Lines of nix's output that say a download failed: the build is then a network
#: failure (75), not a broken build (70).
NETWORK_PATTERNS = (
    "unable to download",
    "cannot download",
    "could not resolve host",
    "couldn't resolve host",
    "failed to connect to",
    "connection refused",
    "connection timed out",
    "network is unreachable",
    "temporary failure in name resolution",
)


def build(flake_dir: Path, attribute: str, out_link: str, *, log_name: str = "build.log") -> Path:
    """`nix build .#attribute -o out_link` in flake_dir, with one live status line.

    The whole log goes to flake_dir/log_name. Without a terminal the log is streamed
    (from -v 2); on a terminal one status line shows the elapsed time and the newest
    line. A failure shows the log once: not again when it was streamed. FailureError
    (70), or NetworkError (75) when a download failed.
    """
    from .._progress import Step, live

    argv = nix_argv(
        flake_dir, "build", f".#{attribute}", "-o", out_link, "--print-build-logs", "--keep-going"
    )
    log_path = flake_dir / log_name
    _log.note(f"building {attribute} with nix (log: {log_path})")
    _log.debug("running: " + _proc.format_argv(argv))
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    streamed = _log.verbosity() >= 2 and not live()
    label = f"building {attribute} with nix"
    with Step(label, done=f"built {attribute} with nix", announce=False) as step:
        with open(log_path, "w", encoding="utf-8") as log:
            proc = subprocess.Popen(
                argv,
                cwd=flake_dir,
                env=credentials.nix_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(credentials.redact(line))
                tail.append(credentials.redact(line.rstrip("\n")))
                step.update(line)
                if streamed:
                    sys.stderr.write(credentials.redact(line))
            code = proc.wait()
        if code != 0:
            raise build_error(
                attribute, code, log_path, list(tail), streamed=streamed, command=argv
            )
    return flake_dir / out_link


def build_error(
    attribute: str,
    code: int,
    log_path: Path,
    tail: list[str],
    *,
    streamed: bool,
    command: Sequence[str] = (),
) -> AnysnakeError:
    """The error for a failed build: the log's last lines unless they were just shown (a
    FailureError also carries `command`, the exit status and the tail as `stderr`)."""
    from ..errors import NetworkError

    lower = "\n".join(tail).lower()
    network = any(pattern in lower for pattern in NETWORK_PATTERNS)
    what = "could not download what it needs" if network else "failed"
    message = f"nix build of {attribute} {what} (exit code {code})"
    if streamed:
        message += "; its log is above"
    else:
        message += "; last lines of the log:\n" + "\n".join("  | " + line for line in tail)
    if "no space left on device" in lower:
        from ..errors import IOFailureError

        return IOFailureError(message, hint=f"free some space and run again; log: {log_path}")
    if network:
        return NetworkError(
            message, hint=f"check the network and run again; the full log is {log_path}"
        )
    return FailureError(
        message,
        hint=f"the full log is {log_path}",
        command=tuple(credentials.redact(a) for a in command),
        returncode=code,
        stderr="\n".join(tail),
    )


def flake_input_paths(flake_dir: Path) -> dict[str, str]:
    """Store paths of every (transitive) flake input, named by their input path."""
    argv = nix_argv(flake_dir, "flake", "archive", "--json", ".")
    proc = _proc.run(argv, cwd=flake_dir, env=credentials.nix_env())
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
