"""The host's Python and uv, copied with their loader and libraries into the nixpkgs
stand-in (``bootstrap/``), as busybox and bash are; and ``bootstrap/host.nix`` naming them.

Only used with ``make_offline_pkgs.py --nixpkgs-lib``: ``host.nix`` always records the
host's glibc version (pyproject.nix reads ``stdenv.cc.libc.version`` for manylinux wheel
tags); with ``--host-tools`` it also names ``python`` (``/usr/bin/python3``: the binary, the
shared libraries ``ldd`` finds for it and for its ``lib-dynload`` modules, the dynamic
loader, and the standard library without Debian's ``EXTERNALLY-MANAGED`` marker and
``dist-packages``) and ``uv`` (the uv of this Python environment, the version
anysnake2 pins). Standard library only.
"""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["HOST_PYTHON", "write_host_tools"]

HOST_PYTHON = Path("/usr/bin/python3")
_LOADER = "ld-linux-x86-64.so.2"
# The libraries a manylinux2014 wheel may link without bundling them (PEP 599; nixpkgs'
# pythonManylinuxPackages.manylinux2014), those the host has: copied beside the
# interpreter, whose loader is run with --library-path, so compiled modules find them
# (nixpkgs instead patches each wheel's rpath with autoPatchelfHook; no patchelf here).
MANYLINUX2014 = (
    "libgcc_s.so.1",
    "libstdc++.so.6",
    "libm.so.6",
    "libdl.so.2",
    "librt.so.1",
    "libc.so.6",
    "libnsl.so.1",
    "libutil.so.1",
    "libpthread.so.0",
    "libresolv.so.2",
)
_HOST_LIBS = Path("/lib/x86_64-linux-gnu")


def _ldd(binary: Path) -> dict[str, Path]:
    """soname → resolved file of every shared library `binary` loads (loader included)."""
    proc = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=False)
    found: dict[str, Path] = {}
    for line in proc.stdout.splitlines():
        match = re.match(r"\s*(\S+) => (/\S+)", line) or re.match(r"\s*(/\S+/(\S+)) \(", line)
        if not match:
            continue
        if "=>" in line:
            found[match.group(1)] = Path(match.group(2)).resolve()
        else:
            found[Path(match.group(1)).name] = Path(match.group(1)).resolve()
    return found


def _copy_file(src: Path, dst: Path, mode: int) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    dst.chmod(mode)


def _copy_libraries(binaries: list[Path], lib: Path) -> None:
    libraries: dict[str, Path] = {}
    for binary in binaries:
        libraries.update(_ldd(binary))
    if _LOADER not in libraries:
        raise RuntimeError(f"ldd found no {_LOADER} for {binaries[0]}")
    for soname, path in sorted(libraries.items()):
        _copy_file(path, lib / soname, 0o755)


def _copy_python(dest: Path) -> str:
    """Copy the host's Python 3 into dest (bin/, lib/); return its version."""
    version = subprocess.run(
        [str(HOST_PYTHON), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    short = ".".join(version.split(".")[:2])
    binary = HOST_PYTHON.resolve()
    stdlib = Path(f"/usr/lib/python{short}")
    _copy_file(binary, dest / "bin" / f"python{short}", 0o755)
    skip = {"__pycache__", "dist-packages", "site-packages", "EXTERNALLY-MANAGED"}
    modules = []
    for path in sorted(stdlib.rglob("*")):
        rel = path.relative_to(stdlib)
        if skip & set(rel.parts) or path.is_dir():
            continue
        if path.is_symlink() and not path.exists():
            continue
        _copy_file(path, dest / "lib" / f"python{short}" / rel, 0o644)
        if path.suffix == ".so":
            modules.append(path)
    _copy_libraries([binary, *modules], dest / "lib")
    for name in MANYLINUX2014:
        if (_HOST_LIBS / name).exists() and not (dest / "lib" / name).exists():
            _copy_file((_HOST_LIBS / name).resolve(), dest / "lib" / name, 0o755)
    return version


def write_host_tools(boot: Path, *, with_binaries: bool) -> None:
    """Write ``boot/host.nix`` (and, ``with_binaries``, ``boot/python`` and ``boot/uv``)."""
    glibc = platform.libc_ver()[1] or "2.36"
    entries = [f'glibc = "{glibc}";']
    if with_binaries:
        version = _copy_python(boot / "python")
        uv = Path(shutil.which("uv", path=str(Path(sys.executable).parent)) or "")
        if not uv.is_file():
            raise FileNotFoundError(f"no uv beside {sys.executable} (pip install uv)")
        _copy_file(uv.resolve(), boot / "uv" / "bin" / "uv", 0o755)
        _copy_libraries([uv.resolve()], boot / "uv" / "lib")
        entries += [f'python = {{ version = "{version}"; path = ./python; }};', "uv = ./uv;"]
    (boot / "host.nix").write_text(
        "# Written by make_offline_pkgs.py (host_tools.py) from this machine.\n"
        "{ " + " ".join(entries) + " }\n"
    )
