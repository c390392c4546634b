"""Generated configs through `anysnake2 check` in-process, and what came out.

Three generators, all driven by one `random.Random` (so hypothesis can seed it and a long
run can replay a seed): byte mutation of real configs, schema-driven edits of a parsed
config (a hostile string, a wrong type, a new key in every string field), and configs made
from the reader's own section and key lists. `run_config` writes one config into a
folder, runs `check` there and classifies the outcome; `parse_flakes` checks the flakes of
accepted projects with batched `nix-instantiate --parse` calls.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ORIGINALS = REPO.parent / "shared" / "reference" / "original-configs"

HOSTILE = (
    "${",
    "s`",
    '"',
    "'",
    "''",
    '"""',
    "\\",
    "\n",
    "\r\n",
    "\x00",
    "\u202e",
    "\u2028",
    "\x85",
    "=",
    "A=B",
    "../../x",
    "..",
    ".",
    "/",
    "/etc/passwd",
    "~/x",
    "$HOME",
    "${HOME}",
    "a" * 300,
    "é" * 200,
    "x = 1",
    '"\n[evil]\nk = "1',
    "#",
    "# c",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "let",
    "with",
    "import",
    "null",
    "true",
    "1.0",
    "-c",
    "--help",
    " ",
    "",
    '${builtins.abort "x"}',
    'rust-bin.nightly."2024-01-01".default',
    "fish",
    "banana",
    "git+https://user:pass@example.com/x",
    "github:a/b",
    "file:///",
    "\ud800",
    "0" * 40,
    "2024-02-30",
    "3.12",
    "2.7",
    "1.80",
    "dev",
    "0.1.0",
    "*",
    ">=1",
    "x" * 5000,
)
KEYS = {
    "anysnake2": (
        "version",
        "index_url",
        "find_links",
        "do_not_modify_flake",
        "dtach",
        "rev",
        "url",
        "url2",
        "use_binary",
    ),
    "nixpkgs": (
        "url",
        "rev",
        "ref",
        "packages",
        "allow_unfree",
        "permitted_insecure_packages",
        "overlay",
    ),
    "python": ("version", "ecosystem_date", "packages", "uv_lock_env", "preferWheels"),
    "R": (
        "packages",
        "date",
        "ecosystem_tag",
        "url",
        "rev",
        "override_attrs",
        "dependency_overrides",
        "additional_packages",
        "use_inside_nix_pkgs",
    ),
    "rust": ("version", "url", "rev"),
    "container": ("home", "volumes_ro", "volumes_rw", "env", "runtime", "dtach", "gpu"),
    "env": ("A", "B=C", "PATH"),
    "dev_shell": ("shell", "inputs"),
    "clone_options": ("jujutsu",),
}
NESTED = {
    "flakes": ("url", "rev", "ref", "dir", "follows", "packages"),
    "clones": (),
    "cmd": (
        "run",
        "pre_run_outside",
        "while_run_outside",
        "pre_run_inside",
        "post_run_inside",
        "post_run_outside",
    ),
}


def seed_configs(*, originals: bool = False) -> list[tuple[str, bytes]]:
    """The configs mutated: examples/, anysnake2/examples, tests/resources; the originals
    (../shared, the caller marks its test needs_shared) when asked."""
    paths = sorted(REPO.glob("examples/**/*.toml")) + sorted(REPO.glob("anysnake2/examples/*.toml"))
    paths += sorted((REPO / "tests" / "resources").glob("**/*.toml"))
    if originals:
        paths += sorted(ORIGINALS.glob("*.toml"))
    return [(str(p.relative_to(p.parents[1])), p.read_bytes()) for p in paths]


def _value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(10 if depth < 2 else 6)
    if kind < 4:
        return rng.choice(HOSTILE) if rng.random() < 0.8 else rng.choice(HOSTILE) * 2
    if kind == 4:
        return rng.choice((0, -1, 1.5, 10**20))
    if kind == 5:
        return rng.random() < 0.5
    if kind in (6, 7):
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(HOSTILE) or "k": _value(rng, depth + 1) for _ in range(rng.randrange(3))}


def _from_schema(rng: random.Random) -> dict[str, object]:
    """A config made from the reader's sections and keys with random values."""
    doc: dict[str, object] = {"anysnake2": {"version": "dev"}} if rng.random() < 0.7 else {}
    for section in rng.sample(sorted(KEYS), rng.randrange(1, 5)):
        table = doc.setdefault(section, {})
        assert isinstance(table, dict)
        for key in rng.sample(KEYS[section], rng.randrange(1, len(KEYS[section]) + 1)):
            table[key] = _value(rng)
    for section in rng.sample(sorted(NESTED), rng.randrange(0, 3)):
        name = rng.choice(HOSTILE) or "x"
        keys = NESTED[section] or ("a", rng.choice(HOSTILE) or "b")
        doc[section] = {name: {k: _value(rng) for k in rng.sample(keys, rng.randrange(1, 3))}}
    return doc


def _paths(data: object, prefix: tuple = ()) -> list[tuple]:
    """Every path to a leaf (string, number, list) of parsed TOML."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _at(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def _edit(rng: random.Random, data: dict) -> None:
    """One schema-aware change: a hostile value, a hostile key, or a wrong type."""
    paths = _paths(data)
    if not paths:
        data.update(_from_schema(rng))
        return
    strings = [p for p in paths if isinstance(_at(data, p), str)]
    if strings and rng.random() < 0.5:  # a hostile string in a string field: same shape
        path = rng.choice(strings)
        parent = _at(data, path[:-1])
        parent[path[-1]] = rng.choice(HOSTILE)
        return
    path = rng.choice(paths)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    choice = rng.random()
    if choice < 0.6:
        parent[last] = _value(rng)
    elif choice < 0.8 and isinstance(parent, dict):
        parent[rng.choice(HOSTILE) or "k"] = parent.pop(last)
    elif isinstance(parent[last], str):
        text = parent[last]
        cut = rng.randrange(len(text) + 1)
        parent[last] = text[:cut] + rng.choice(HOSTILE) + text[cut:]
    else:
        parent[last] = rng.choice(("x", 1, [], {}))


def _dumps(data: dict) -> bytes | None:
    import tomlkit

    try:
        return tomlkit.dumps(data).encode("utf-8", "surrogatepass")
    except Exception:  # noqa: BLE001 - a value tomlkit cannot write: skip this one
        return None


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        where = rng.randrange(len(buf) + 1)
        op = rng.randrange(5)
        if op == 0 and buf:
            buf[min(where, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:
            buf[where:where] = rng.choice(HOSTILE).encode("utf-8", "surrogatepass")
        elif op == 2:
            del buf[where : where + rng.randrange(1, 20)]
        elif op == 3:  # a hostile string inside the next string value
            quote = buf.find(b'"', where)
            if quote != -1:
                buf[quote + 1 : quote + 1] = rng.choice(HOSTILE).encode("unicode_escape")
        else:
            lines = bytes(buf).split(b"\n")
            line = rng.randrange(len(lines))
            lines.insert(line, lines[rng.randrange(len(lines))])
            buf = bytearray(b"\n".join(lines))
    return bytes(buf)


def generate(rng: random.Random, seeds: list[tuple[str, bytes]]) -> bytes:
    """One config's bytes."""
    from anysnake2 import _toml

    kind = rng.random()
    if kind < 0.35:
        return _mutate_bytes(rng, rng.choice(seeds)[1])
    if kind < 0.8:
        data = rng.choice(seeds)[1]
        try:
            parsed = _toml.loads(data.decode("utf-8"))
        except Exception:  # noqa: BLE001 - a seed that is not TOML: mutate bytes
            return _mutate_bytes(rng, data)
        for _ in range(1 if rng.random() < 0.6 else rng.randrange(2, 4)):
            _edit(rng, parsed)
        return _dumps(parsed) or _mutate_bytes(rng, data)
    return _dumps(_from_schema(rng)) or b"[anysnake2]\n"


@dataclass
class Outcome:
    """What `check` did with one config."""

    code: int
    stderr: str
    traceback: bool
    located: bool
    flake: str | None = None  # the rendered flake of an accepted project
    render_error: str | None = None  # a rejection that only rendering found


_LOCATED = re.compile(r"^error: .*anysnake2\.toml:\d+", re.MULTILINE)


def run_config(data: bytes, folder: Path, *, locked: bool = False) -> Outcome:
    """`anysnake2 -c <folder>/anysnake2.toml [--locked] check` in-process; the flake if
    accepted (without --locked)."""
    from anysnake2 import cli

    config = folder / "anysnake2.toml"
    config.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([*(["--locked"] if locked else []), "-c", str(config), "check"])
    stderr = err.getvalue()
    outcome = Outcome(
        code=code,
        stderr=stderr,
        traceback="Traceback" in stderr or "a bug in anysnake2" in stderr,
        located=code != 65 or bool(_LOCATED.search(stderr)),
    )
    if code == 0 and not locked:
        _render(config, folder, outcome)
    return outcome


def _render(config: Path, folder: Path, outcome: Outcome) -> None:
    from anysnake2.errors import AnysnakeError
    from anysnake2.loader import load_model
    from anysnake2.render.flake import render_flake
    from anysnake2.render.resolution import Resolution

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            project = _resolved(load_model(config))
            outcome.flake = render_flake(project, Resolution(), root=folder).flake_nix
    except AnysnakeError as error:
        outcome.render_error = error.render()
    except Exception:  # noqa: BLE001 - what the harness counts
        import traceback

        outcome.traceback = True
        outcome.stderr += traceback.format_exc()


def _resolved(project: Any) -> Any:
    """What `lock` would record that rendering needs: an R date (the newest nixR date)."""
    from dataclasses import replace

    r = project.r
    if r is not None and r.date is None and r.ecosystem_tag is None:
        return project.replace(r=replace(r, date="2024-01-01"))
    return project


def parse_flakes(flakes: list[str]) -> list[tuple[str, str]]:
    """(flake, nix's error) for each flake that `nix-instantiate --parse` rejects; one call
    for the whole batch, one per flake only when the batch fails."""
    if not flakes:
        return []
    with tempfile.TemporaryDirectory(prefix="anysnake2-fuzz-") as folder:
        files = []
        for index, text in enumerate(flakes):
            path = Path(folder) / f"{index}.nix"
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            files.append(str(path))
        argv = ["nix-instantiate", "--parse"]
        if subprocess.run([*argv, *files], capture_output=True, check=False).returncode == 0:
            return []
        bad = []
        for text, path in zip(flakes, files, strict=True):
            proc = subprocess.run([*argv, path], capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                bad.append((text, proc.stderr))
        return bad


def exit_codes() -> set[int]:
    """The codes of README's table (128+N: 129..192)."""
    text = (REPO / "README.md").read_text(encoding="utf-8").split("## Exit codes", 1)[1]
    codes = {int(c) for c in re.findall(r"^\| (\d+) \|", text, re.MULTILINE)}
    return codes | set(range(129, 193))
