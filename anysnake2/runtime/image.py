"""`build oci`: the container as an image for podman, skopeo and apptainer (`runtime.sif`).

`build oci` writes `.anysnake2_flake/result-oci.tar`, an OCI image layout in a tar archive
(`oci-layout`, `index.json`, `blobs/sha256/...`; tag `latest`), with our own code. One
gzip layer holds the rootfs' entries at `/` (symlinks kept as they are in the forest) and
the nix closure of the rootfs (`nix-store -qR`) under `/nix/store`, plus the project's
commands under `/anysnake2/cmd/`. The archive is deterministic: the same rootfs and
config give the same bytes and digest (entries sorted, mtime 0, uid/gid 0, modes
normalised, hard links written as files, gzip without name or timestamp).

Using a command of the project from the image::

    podman run --rm oci-archive:.anysnake2_flake/result-oci.tar               # [cmd.default]
    podman run --rm oci-archive:.anysnake2_flake/result-oci.tar /anysnake2/cmd/NAME.sh ARGS
    podman run --rm oci-archive:.anysnake2_flake/result-oci.tar hello         # any program

`/anysnake2/cmd/<name>.sh` runs pre_run_inside, run and post_run_inside like `anysnake2
NAME` does; the host hooks (`*_outside`) do not run in an image. Volumes are not part of
the image: bind them with the container tool.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import stat
import tarfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .. import _log, _proc
from .._util.atomic import temp_name
from .._version import __version__
from .container import INSIDE, make_env
from .scripts import outer_run, render_scripts

if TYPE_CHECKING:
    from ..model import Project

__all__ = [
    "OCI_ARCHIVE",
    "TAG",
    "closure_of",
    "command_files",
    "image_config",
    "write_image",
    "write_oci_archive",
]

OCI_ARCHIVE = "result-oci.tar"
#: The reference name of the image in the archive (`umoci unpack --image DIR:latest`).
TAG = "latest"

_MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
_MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
_MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
_CHUNK = 1 << 20
# Directories everybody may write to, as on any Linux system.
_STICKY = {"tmp", "var/tmp"}


def closure_of(store_path: Path) -> list[str]:
    """The store paths `store_path` needs at run time (`nix-store -qR`), sorted."""
    nix_store = _proc.require("nix-store", why="to find the closure of the rootfs")
    proc = _proc.run([nix_store, "-qR", str(store_path)], what="nix-store -qR (the closure)")
    return sorted(line for line in proc.stdout.splitlines() if line.strip())


def command_files(project: Project) -> dict[str, str]:
    """`anysnake2/cmd/<name>.sh` (entry point) and `anysnake2/cmd/<name>/<script>.sh`.

    The entry point is `outer_run.sh` of the run, reading its scripts from the command's
    folder instead of `/anysnake2/`; host hooks are left out.
    """
    files: dict[str, str] = {}
    for name, command in sorted(project.cmd.items()):
        folder = f"{INSIDE}/cmd/{name}"
        # outer_run names its scripts only as f"{INSIDE}/<script>.sh".
        files[f"{folder}.sh"] = outer_run(name, command).replace(f"{INSIDE}/", f"{folder}/")
        for script, text in render_scripts(name, command).items():
            if script.endswith("_outside.sh") or script == "outer_run.sh":
                continue
            files[f"{folder}/{script}"] = text
    return {path.lstrip("/"): text for path, text in sorted(files.items())}


def image_config(
    project: Project,
    project_name: str,
    store_path: Path,
    host_env: Mapping[str, str],
) -> dict[str, object]:
    """The `config` part of the image config: Env, Cmd, WorkingDir, Labels.

    Env is `[env]` updated by `[container.env]`, `$VAR` taken from `host_env` now (as a
    run does), and PATH=/bin unless the user sets PATH.
    """
    env = {"PATH": "/bin"}
    env.update(make_env(project.env, project.container.env, host_env))
    cmd = [f"{INSIDE}/cmd/default.sh"] if "default" in project.cmd else ["/bin/bash"]
    return {
        "Env": [f"{key}={value}" for key, value in sorted(env.items())],
        "Cmd": cmd,
        "WorkingDir": "/",
        "Labels": {
            "org.opencontainers.image.title": project_name,
            "org.opencontainers.image.description": f"anysnake2 environment of {project_name}",
            "io.github.anysnake2.version": __version__,
            "io.github.anysnake2.rootfs": str(store_path),
            "io.github.anysnake2.commands": " ".join(sorted(project.cmd)),
        },
    }


class _Hashing(io.RawIOBase):
    """A write-only stream that hashes and counts what passes through to `target`."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.sha.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


def _info(name: str, kind: bytes, mode: int, size: int = 0, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = size
    info.linkname = link
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def _walk(base: Path, name: str) -> Iterator[tuple[str, Path]]:
    """(archive name, host path) of `base` and everything below it, parents first, sorted."""
    yield name, base
    if base.is_dir() and not base.is_symlink():
        for child in sorted(os.listdir(base)):
            yield from _walk(base / child, f"{name}/{child}")


def _add(tar: tarfile.TarFile, name: str, path: Path) -> None:
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        tar.addfile(_info(name, tarfile.SYMTYPE, 0o777, link=os.readlink(path)))
    elif stat.S_ISDIR(st.st_mode):
        mode = 0o1777 if name in _STICKY else 0o755
        tar.addfile(_info(name, tarfile.DIRTYPE, mode))
    elif stat.S_ISREG(st.st_mode):
        mode = 0o755 if st.st_mode & 0o111 else 0o644
        with open(path, "rb") as handle:
            tar.addfile(_info(name, tarfile.REGTYPE, mode, st.st_size), handle)
    else:
        _log.warn(f"image: skipped {path} (not a file, folder or symlink)")


def _write_layer(
    out: IO[bytes], rootfs: Path, closure: list[str], extra: Mapping[str, str]
) -> tuple[str, str, int]:
    """Write the gzipped layer to `out`; returns (diff_id, digest, size)."""
    compressed = _Hashing(out)
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=0, compresslevel=6) as gz:
        plain = _Hashing(gz)  # type: ignore[arg-type]
        with tarfile.open(fileobj=plain, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            entries: dict[str, tuple[Path | None, str | None]] = {}
            for child in sorted(os.listdir(rootfs)):
                if child not in ("nix", INSIDE.strip("/")):
                    for name, path in _walk(rootfs / child, child):
                        entries[name] = (path, None)
            for name in ("nix", "nix/store", INSIDE.strip("/"), f"{INSIDE.strip('/')}/cmd"):
                entries[name] = (None, None)
            for store_path in closure:
                for name, path in _walk(Path(store_path), store_path.lstrip("/")):
                    entries[name] = (path, None)
            for name, text in extra.items():
                entries[name] = (None, text)
                parent = name.rsplit("/", 1)[0]
                while parent and parent not in entries:
                    entries[parent] = (None, None)
                    parent = parent.rsplit("/", 1)[0] if "/" in parent else ""
            for name in sorted(entries, key=lambda n: n.split("/")):
                path, text = entries[name]
                if path is not None:
                    _add(tar, name, path)
                elif text is not None:
                    data = text.encode()
                    info = _info(name, tarfile.REGTYPE, 0o755, len(data))
                    tar.addfile(info, io.BytesIO(data))
                else:
                    tar.addfile(_info(name, tarfile.DIRTYPE, 0o755))
    return (
        f"sha256:{plain.sha.hexdigest()}",
        f"sha256:{compressed.sha.hexdigest()}",
        compressed.size,
    )


def _json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_info(name, tarfile.REGTYPE, 0o644, len(data)), io.BytesIO(data))


def _image_blobs(
    config: Mapping[str, object], diff_id: str, layer_digest: str, layer_size: int
) -> tuple[dict[str, bytes], bytes, str]:
    """The image config and manifest blobs (digest → bytes), the index.json bytes and the
    manifest's digest."""
    image = {
        "architecture": "amd64",
        "os": "linux",
        "config": dict(config),
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": f"anysnake2 {__version__} build oci"}],
    }
    config_bytes = _json(image)
    config_digest = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
    manifest = {
        "schemaVersion": 2,
        "mediaType": _MEDIA_MANIFEST,
        "config": {
            "mediaType": _MEDIA_CONFIG,
            "digest": config_digest,
            "size": len(config_bytes),
        },
        "layers": [{"mediaType": _MEDIA_LAYER, "digest": layer_digest, "size": layer_size}],
    }
    manifest_bytes = _json(manifest)
    manifest_digest = "sha256:" + hashlib.sha256(manifest_bytes).hexdigest()
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": _MEDIA_MANIFEST,
                "digest": manifest_digest,
                "size": len(manifest_bytes),
                "annotations": {"org.opencontainers.image.ref.name": TAG},
            }
        ],
    }
    blobs = {config_digest: config_bytes, manifest_digest: manifest_bytes}
    return blobs, _json(index), manifest_digest


def _write_archive(
    archive: Path, blobs: Mapping[str, bytes], index: bytes, layer: tuple[Path, str, int]
) -> None:
    """The OCI layout as a tar: blobs sorted by digest (the layer streamed from its file)."""
    layer_path, layer_digest, layer_size = layer
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        for name in ("blobs", "blobs/sha256"):
            tar.addfile(_info(name, tarfile.DIRTYPE, 0o755))
        for digest in sorted([*blobs, layer_digest]):
            name = "blobs/sha256/" + digest.split(":", 1)[1]
            if digest == layer_digest:
                with open(layer_path, "rb") as handle:
                    tar.addfile(_info(name, tarfile.REGTYPE, 0o644, layer_size), handle)
            else:
                _add_bytes(tar, name, blobs[digest])
        _add_bytes(tar, "index.json", index)
        _add_bytes(tar, "oci-layout", _json({"imageLayoutVersion": "1.0.0"}))


def write_oci_archive(
    out: Path,
    rootfs: Path,
    closure: list[str],
    config: Mapping[str, object],
    extra: Mapping[str, str],
) -> str:
    """Write the OCI archive to `out` (atomically); returns the manifest digest."""
    out.parent.mkdir(parents=True, exist_ok=True)
    layer_tmp = Path(temp_name(out.with_name(f"{out.name}.layer")))
    archive_tmp = Path(temp_name(out))
    try:
        with open(layer_tmp, "wb") as handle:
            diff_id, layer_digest, layer_size = _write_layer(handle, rootfs, closure, extra)
        blobs, index, manifest_digest = _image_blobs(config, diff_id, layer_digest, layer_size)
        _write_archive(archive_tmp, blobs, index, (layer_tmp, layer_digest, layer_size))
        os.replace(archive_tmp, out)
    finally:
        for path in (layer_tmp, archive_tmp):
            path.unlink(missing_ok=True)
    return manifest_digest


def write_image(project: Project, root: Path, rootfs: Path) -> Path:
    """Write `.anysnake2_flake/result-oci.tar` of the built `rootfs` (unless the archive
    there was made from the same inputs)."""
    from .build import flake_dir_of, project_lock

    store_path = Path(os.path.realpath(rootfs)).parent
    real_root = Path(os.path.realpath(root))
    host_env = {**os.environ, "ANYSNAKE2_ROOT": str(real_root), "ANYSNAKE_ROOT": str(real_root)}
    config = image_config(project, real_root.name, store_path, host_env)
    flake_dir = flake_dir_of(root)
    out = flake_dir / OCI_ARCHIVE
    with project_lock(flake_dir, "writing the OCI image"):
        closure = closure_of(store_path)
        extra = command_files(project)
        # Store paths never change, so these inputs define the archive's bytes: when they
        # are what made the existing archive, it is left as it is.
        inputs = _json([str(store_path), closure, dict(config), dict(extra), __version__])
        stamp = out.with_name(out.name + ".inputs")
        digest_file = out.with_name(out.name + ".digest")
        same = (
            out.exists()
            and stamp.exists()
            and digest_file.exists()
            and stamp.read_bytes() == inputs
        )
        if same:
            digest = digest_file.read_text().strip()
            _log.note(f"the OCI image is up to date: {out}")
        else:
            _log.note(f"writing the OCI image ({len(closure)} store paths) to {out}")
            stamp.unlink(missing_ok=True)
            digest = write_oci_archive(out, Path(rootfs), closure, config, extra)
            digest_file.write_text(digest + "\n")
            stamp.write_bytes(inputs)
    _log.note(f"OCI image: {out} (digest {digest}, tag {TAG})")
    _log.note(f"run it with: podman run --rm oci-archive:{out} [/anysnake2/cmd/NAME.sh ARGS]")
    return out
