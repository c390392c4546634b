"""`build sif`: the OCI archive (`runtime.image`) converted into `.anysnake2_flake/result.sif`
with apptainer or singularity (`apptainer build --force OUT oci-archive://ARCHIVE`); the
exact command line is written to `.anysnake2_flake/result-sif.bash` first.
"""

from __future__ import annotations

from pathlib import Path

from .. import _log, _proc
from ..errors import FailureError, ToolUnavailableError
from .detect import identify

__all__ = ["SIF_ARGV_FILE", "SIF_FILE", "convert_to_sif", "find_converter", "sif_argv"]

SIF_FILE = "result.sif"
SIF_ARGV_FILE = "result-sif.bash"


def find_converter(path: str | None = None) -> tuple[str, str]:
    """(name, binary) of apptainer or singularity, recognized by `--version`; else 69."""
    rejected = []
    for name in ("apptainer", "singularity"):
        binary = _proc.which(name, path)
        if binary is None:
            continue
        if identify(name, binary) is not None:
            return name, binary
        rejected.append(f"{binary} (its --version does not say {name})")
    found = f"; found but not usable: {', '.join(rejected)}" if rejected else ""
    raise ToolUnavailableError(
        "'build sif' needs apptainer or singularity, and neither is installed" + found,
        hint=_proc.INSTALL_HINTS["apptainer"] + "; or " + _proc.INSTALL_HINTS["singularity"],
    )


def sif_argv(binary: str, sif: Path, archive: Path) -> list[str]:
    """The command line that converts the OCI archive into a SIF."""
    return [binary, "build", "--force", str(sif), f"oci-archive://{archive}"]


def convert_to_sif(root: Path, archive: Path, converter: tuple[str, str]) -> Path:
    """`.anysnake2_flake/result.sif`, converted from the OCI `archive` with `converter`
    ((name, binary) from `find_converter`)."""
    import shlex

    from .build import flake_dir_of

    name, binary = converter
    flake_dir = flake_dir_of(root)
    sif = flake_dir / SIF_FILE
    argv = sif_argv(binary, sif, archive)
    text = (
        "#!/bin/bash\n"
        f"# the {name} command line of 'anysnake2 build sif'\n"
        f"exec {shlex.join(argv)}\n"
    )
    (flake_dir / SIF_ARGV_FILE).write_text(text)
    _log.note(f"building the SIF with {name}: {_proc.format_argv(argv)}")
    _proc.run(argv, capture=False, what=f"{name} build")
    if not sif.exists():
        raise FailureError(f"{name} build finished but did not write {sif}")
    _log.note(f"SIF: {sif}")
    return sif
