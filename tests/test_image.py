"""`build oci` and `build sif` on a real project built with nix from the offline package set.

The OCI archive is checked with Debian's skopeo (inspect) and umoci (unpack), and the
unpacked image is run with bwrap. `build sif` runs against a fake `apptainer` (apptainer
cannot run here) that records its argv.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tarfile
from pathlib import Path

import pytest
from conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """\
[nixpkgs]
url = "@URL@"
rev = "@REV@"
packages = ["hello"]

[env]
A = "from env"
B = "from env"

[container.env]
B = "from container.env"
WHO = "$OCI_TEST_WHO"

[cmd.default]
run = '''
hello
echo "B=$B WHO=$WHO"
'''

[cmd.greet]
pre_run_inside = "echo pre"
run = 'echo greet "$@"'
post_run_inside = "echo post $ANYSNAKE2_RUN_STATUS"
pre_run_outside = "echo never in the image"
"""

FAKE_APPTAINER = """\
#!/bin/sh
if [ "$1" = "--version" ]; then echo "apptainer version 1.3.4"; exit 0; fi
printf '%s\\n' "$@" > "$(dirname "$0")/argv.txt"
touch "$3"
"""

GAME = """\
#!/bin/sh
echo "Singularity: a game of territorial conquest, version 0.30c"
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(PYTHONPATH=str(ROOT), ANYSNAKE2_OFFLINE="1", OCI_TEST_WHO="tester")
    env.update(extra)
    return env


def _cli(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=root, env=_env(**env), timeout=300)


def _project(root: Path, url: str, rev: str) -> Path:
    root.mkdir(parents=True)
    (root / "anysnake2.toml").write_text(CONFIG.replace("@URL@", url).replace("@REV@", rev))
    return Path(os.path.realpath(root))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, nixpkgs: dict[str, str]) -> Path:
    """The project root after a successful `build oci`."""
    root = _project(tmp_path_factory.mktemp("oci") / "myproj", nixpkgs["url"], nixpkgs["rev"])
    proc = _cli(root, "build", "oci")
    assert proc.returncode == 0, proc.stderr
    return root


def _archive(root: Path) -> Path:
    return root / ".anysnake2_flake" / "result-oci.tar"


def _skopeo(*args: str) -> dict:
    proc = subprocess.run(
        ["skopeo", "inspect", *args], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(proc.stdout)


@pytest.fixture(scope="session")
def bundle(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image unpacked by umoci (rootless) from the extracted layout."""
    base = tmp_path_factory.mktemp("umoci")
    layout = base / "layout"
    layout.mkdir()
    with tarfile.open(_archive(built)) as tar:
        tar.extractall(layout, filter="tar")
    subprocess.run(
        ["umoci", "unpack", "--rootless", "--image", f"{layout}:latest", str(base / "bundle")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return base / "bundle" / "rootfs"


def _store_path(root: Path) -> str:
    return os.path.realpath(root / ".anysnake2_flake" / "result")


def test_skopeo_reads_the_config_as_described(built: Path) -> None:
    image = _skopeo("--config", f"oci-archive:{_archive(built)}")
    config = image["config"]
    # [container.env] wins over [env]; $OCI_TEST_WHO is taken from the host at build time.
    assert config["Env"] == ["A=from env", "B=from container.env", "PATH=/bin", "WHO=tester"]
    assert config["Cmd"] == ["/anysnake2/cmd/default.sh"]
    assert config["WorkingDir"] == "/"
    labels = config["Labels"]
    assert labels["org.opencontainers.image.title"] == "myproj"
    assert labels["io.github.anysnake2.version"] == __import__("anysnake2").__version__
    assert labels["io.github.anysnake2.rootfs"] == _store_path(built)
    assert labels["io.github.anysnake2.commands"] == "default greet"
    assert (image["os"], image["architecture"]) == ("linux", "amd64")


def test_skopeo_digest_is_the_one_reported(built: Path) -> None:
    proc = _cli(built, "build", "oci")
    assert proc.returncode == 0, proc.stderr
    reported = re.search(r"digest (sha256:[0-9a-f]{64})", proc.stderr)
    assert reported is not None, proc.stderr
    manifest = _skopeo(f"oci-archive:{_archive(built)}")
    assert manifest["Digest"] == reported.group(1)
    assert len(manifest["Layers"]) == 1


def test_umoci_unpacks_rootfs_and_closure(built: Path, bundle: Path) -> None:
    hello = bundle / "bin" / "hello"
    target = os.readlink(hello)  # symlinks stay as they are in the forest
    assert target.startswith("/nix/store/") and target.endswith("-hello-2.12.1/bin/hello")
    assert (bundle / target.lstrip("/")).is_file()
    assert (bundle / _store_path(built).lstrip("/") / "rootfs" / "bin").is_dir()
    forest = Path(_store_path(built)) / "rootfs"
    assert os.readlink(bundle / "usr" / "bin") == os.readlink(forest / "usr" / "bin")
    assert (bundle / "tmp").stat().st_mode & 0o7777 == 0o1777
    assert (bundle / "etc" / "bashrc").is_file()
    commands = bundle / "anysnake2" / "cmd"
    assert sorted(p.name for p in commands.iterdir()) == [
        "default",
        "default.sh",
        "greet",
        "greet.sh",
    ]
    # host hooks never run inside an image
    assert sorted(p.name for p in (commands / "greet").iterdir()) == [
        "post_run_inside.sh",
        "pre_run_inside.sh",
        "run.sh",
    ]


def _bwrap(bundle: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bwrap", "--unshare-user", "--bind", str(bundle), "/", "--proc", "/proc"]
        + ["--dev", "/dev", "--clearenv", "--setenv", "PATH", "/bin", "--setenv", "B", "b"]
        + ["--setenv", "WHO", "w", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_unpacked_image_runs_the_commands(bundle: Path) -> None:
    proc = _bwrap(bundle, "/anysnake2/cmd/default.sh")
    assert (proc.returncode, proc.stdout) == (0, "Hello, world!\nB=b WHO=w\n"), proc.stderr
    proc = _bwrap(bundle, "/anysnake2/cmd/greet.sh", "a b", "c")
    assert (proc.returncode, proc.stdout) == (0, "pre\ngreet a b c\npost 0\n"), proc.stderr


def test_two_builds_give_the_same_bytes(built: Path) -> None:
    archive = _archive(built)
    first = hashlib.sha256(archive.read_bytes()).hexdigest()
    archive.unlink()
    proc = _cli(built, "build", "oci")
    assert proc.returncode == 0, proc.stderr
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == first
    leftovers = [p.name for p in archive.parent.iterdir() if p.name.startswith("result-oci")]
    assert sorted(leftovers) == ["result-oci.tar", "result-oci.tar.digest", "result-oci.tar.inputs"]


def test_an_unchanged_project_keeps_its_archive(built: Path) -> None:
    archive = _archive(built)
    before = archive.stat()
    proc = _cli(built, "build", "oci")
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stderr
    after = archive.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_sif_without_apptainer_exits_69(built: Path, tmp_path: Path) -> None:
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "singularity").write_text(GAME)  # Debian's singularity package: a game
    (fake_bin / "singularity").chmod(0o755)
    proc = _cli(built, "build", "sif", PATH=f"{fake_bin}:/usr/bin:/bin")
    assert proc.returncode == 69, proc.stderr
    assert "needs apptainer or singularity" in proc.stderr
    assert f"{fake_bin}/singularity (its --version does not say singularity)" in proc.stderr
    assert "https://apptainer.org/docs/admin/main/installation.html" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (built / ".anysnake2_flake" / "result.sif").exists()


def test_sif_argv_golden(built: Path, tmp_path: Path) -> None:
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "apptainer").write_text(FAKE_APPTAINER)
    (fake_bin / "apptainer").chmod(0o755)
    proc = _cli(built, "build", "sif", PATH=f"{fake_bin}:{os.environ['PATH']}")
    assert proc.returncode == 0, proc.stderr
    flake = built / ".anysnake2_flake"
    assert (fake_bin / "argv.txt").read_text().splitlines() == [
        "build",
        "--force",
        f"{flake}/result.sif",
        f"oci-archive://{flake}/result-oci.tar",
    ]
    assert (flake / "result.sif").exists()
    assert (flake / "result-sif.bash").read_text() == (
        "#!/bin/bash\n"
        "# the apptainer command line of 'anysnake2 build sif'\n"
        f"exec {fake_bin}/apptainer build --force {flake}/result.sif "
        f"oci-archive://{flake}/result-oci.tar\n"
    )


@pytest.mark.parametrize("target", ["oci", "sif"])
def test_refuses_when_the_rootfs_cannot_be_built(tmp_path: Path, target: str) -> None:
    root = _project(tmp_path / "broken", f"git+file://{tmp_path}/no-such-repo", "0" * 40)
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "apptainer").write_text(FAKE_APPTAINER)
    (fake_bin / "apptainer").chmod(0o755)
    proc = _cli(root, "build", target, PATH=f"{fake_bin}:{os.environ['PATH']}")
    assert proc.returncode == 70, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not _archive(root).exists()
    assert not (fake_bin / "argv.txt").exists()
