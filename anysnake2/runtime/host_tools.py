"""Host tools the machine lacks (bwrap, apptainer, singularity, dtach, git, hg), taken from
`[outside_nixpkgs]` as the original did (`nix shell <outside>#dtach` and so on).

A tool found on PATH is used as it is. A missing one is built once with
`nix build <outside>#<attribute>`, its out-link `.anysnake2_flake/.gcroots/tool-<tool>`
kept as a GC root beside a note of the flake it came from (`tool-<tool>.from`); its
`bin/` goes first on this process's PATH. Later runs find the link without nix: the warm
path (`cached_tool`, standard library only) reads one symlink. Without `[outside_nixpkgs]`,
`[nixpkgs]` is used; without either, or when nix cannot build it (a warning says why),
the tool stays missing and the caller's own error (or, for dtach, warning) says what to
install.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Project

__all__ = ["ATTRIBUTES", "cached_tool", "needed_tools", "outside_ref", "provide", "provide_all"]

#: Tool binary → its nixpkgs attribute (the original's `#singularity`, `#dtach`, `#git`,
#: `#mercurial`; `#bubblewrap` and `#apptainer` for the runtimes it did not know).
ATTRIBUTES = {
    "apptainer": "apptainer",
    "bwrap": "bubblewrap",
    "dtach": "dtach",
    "git": "git",
    "hg": "mercurial",
    "singularity": "singularity",
}
_ROOTS = os.path.join(".anysnake2_flake", ".gcroots")


def _link(root: str | Path, tool: str) -> str:
    return os.path.join(str(root), _ROOTS, f"tool-{tool}")


def cached_tool(root: str | Path, tool: str) -> str | None:
    """`<link>/bin/<tool>` when an earlier run built it (no nix; for the warm path)."""
    path = os.path.join(_link(root, tool), "bin", tool)
    return path if os.access(path, os.X_OK) else None


def outside_ref(project: Project, root: Path) -> str | None:
    """The flake reference of `[outside_nixpkgs]` (else `[nixpkgs]`) pinned to its rev."""
    from ..defaults import DEFAULT_NIXPKGS_URL
    from ..render.inputs import flake_url

    source = project.outside_nixpkgs or project.nixpkgs
    if source is None:
        return None
    url = source.url or DEFAULT_NIXPKGS_URL
    return flake_url("outside_nixpkgs", url, rev=source.rev, ref=source.ref, root=root).url


def provide(project: Project, root: Path, tool: str) -> str | None:
    """The path of `tool`: on PATH, else built from the outside nixpkgs (once), else None.

    A tool taken from nix has its `bin/` put first on this process's PATH, so every later
    lookup (`_proc.require`, `shutil.which`) finds it.
    """
    from .. import _proc

    found = _proc.which(tool)
    if found is not None:
        return found
    ref = outside_ref(project, root)
    if ref is None:
        return None
    link = Path(_link(root, tool))
    note = link.with_name(link.name + ".from")
    cached = cached_tool(root, tool)
    if cached is None or not note.is_file() or note.read_text().strip() != ref:
        if not _build(root, ref, tool, link):
            return None
        note.write_text(ref + "\n")
        cached = cached_tool(root, tool)
        if cached is None:
            from ..errors import ToolUnavailableError

            raise ToolUnavailableError(
                f"{ref}#{ATTRIBUTES[tool]} was built, but has no bin/{tool}",
                hint=_proc.INSTALL_HINTS.get(tool, f"install {tool}"),
            )
    os.environ["PATH"] = os.pathsep.join([os.path.dirname(cached), os.environ.get("PATH", "")])
    return cached


def _build(root: Path, ref: str, tool: str, link: Path) -> bool:
    """`nix build <ref>#<attribute> --out-link link`; False (after a warning) when nix
    cannot build it: the caller then reports the missing tool as before."""
    from .. import _log, _proc, credentials
    from ..errors import AnysnakeError
    from .nix import nix_argv

    flake_dir = Path(root) / ".anysnake2_flake"
    link.parent.mkdir(parents=True, exist_ok=True)
    target = f"{ref}#{ATTRIBUTES[tool]}"
    _log.note(f"'{tool}' is not on PATH: building {target} (once; kept as a GC root)")
    try:
        argv = nix_argv(flake_dir, "build", target, "--out-link", str(link))
        what = f"nix build of {target} for the missing '{tool}'"
        _proc.run(argv, cwd=flake_dir, env=credentials.nix_env(), what=what)
    except AnysnakeError as error:
        _log.warn(f"could not take '{tool}' from nix: {error.message}")
        return False
    return True


def _uses_hg(project: Project) -> bool:
    python = project.python
    sources = [p.source for p in python.packages.values()] if python is not None else []
    if any(s is not None and s.kind == "hg" for s in sources):
        return True
    clones = [url for entries in project.clones.values() for url in entries.values()]
    flakes = [flake.url or "" for flake in project.flakes.values()]
    return any(str(url).startswith("hg+") for url in [*clones, *flakes])


def needed_tools(project: Project, *, run: bool) -> list[str]:
    """git always, hg when a source is mercurial; for `run`, the container runtime (the
    configured one, else bwrap when none of apptainer, singularity, bwrap is on PATH) and
    dtach when sessions are allowed."""
    from .. import _proc

    tools = ["git"] + (["hg"] if _uses_hg(project) else [])
    if run:
        requested = project.container.runtime
        if requested is not None:
            tools.append(requested)
        elif not any(_proc.which(t) for t in ("apptainer", "singularity", "bwrap")):
            tools.append("bwrap")
        if project.anysnake2.dtach is not False and project.container.dtach is not False:
            tools.append("dtach")
    return tools


def provide_all(project: Project, root: Path, *, run: bool) -> None:
    """`provide` every tool in `needed_tools` that is not on PATH."""
    for tool in needed_tools(project, run=run):
        provide(project, root, tool)
