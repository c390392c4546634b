"""Credentials in source URLs: kept out of every file, store path, argv, log and message.

A config may name a private source as `git+https://user:secret@host/repo`. anysnake2 then
renders and passes on only the URL without `user:secret@` (`public`), and hands the secret
to the programs that fetch through their environment, never through a file or argv:

- git (our clones, the lock-side clones, uv's and nix's git fetches): a credential helper
  given as `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, scoped to the source's URL, which
  prints the user and password from `ANYSNAKE2_GIT_USERNAME_n`/`ANYSNAKE2_GIT_PASSWORD_n`;
- nix additionally gets `extra-access-tokens = host=secret` through `NIX_CONFIG` (added
  to the user's own tokens; used by its `github:`/`gitlab:` fetchers).

Sources nix cannot fetch that way (a tarball URL or a mercurial flake input with
credentials) are refused with a hint to configure a credential helper or netrc instead.
Every URL with credentials seen by `remember`/`public` is known to `redact`.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from ._redact import USERINFO as _USERINFO
from ._redact import known as _known
from ._redact import redact
from ._redact import scheme_end as _scheme_end
from ._redact import secrets as _secrets
from .errors import ConfigError, FailureError

__all__ = [
    "HELPER_HINT",
    "Credential",
    "clone",
    "git_env",
    "hg_env",
    "nix_env",
    "public",
    "redact",
    "refuse",
    "remember",
    "remember_project",
    "split",
]

HELPER_HINT = (
    "keep the secret out of the URL: configure a git credential helper "
    "(git config --global credential.helper store|cache|libsecret, or "
    "credential.<url>.helper), and for github:/gitlab: inputs export "
    "NIX_CONFIG='access-tokens = github.com=<token>'; see README, Security"
)
_PREFIXES = ("git+", "hg+")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}://\S+\Z")  # one URL, not a script
_HELPER = (
    '!f() { test "$1" = get || exit 0; '
    "printf 'username=%s\\npassword=%s\\n' "
    '"$ANYSNAKE2_GIT_USERNAME_{n}" "$ANYSNAKE2_GIT_PASSWORD_{n}"; }; f'
)


@dataclass(frozen=True)
class Credential:
    """The secret part of one URL: `base` is `scheme://host[:port]/path` without it."""

    base: str
    host: str
    username: str
    password: str


_KNOWN: dict[str, Credential] = {}


def split(url: str) -> tuple[str, Credential | None]:
    """`url` without `user:password@`, and what was removed (None when nothing)."""
    prefix = next((p for p in _PREFIXES if url.startswith(p)), "")
    inner = url[len(prefix) :]
    try:
        parts = urlsplit(inner)
        if parts.password is None and (
            parts.username is None or parts.scheme not in ("http", "https")
        ):
            return url, None  # no secret: at most ssh's login name (git@host)
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
    except ValueError:
        return _USERINFO.sub(_scheme_end, url), None
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    base = urlunsplit((parts.scheme, host, parts.path, "", ""))
    credential = Credential(
        base, host, unquote(parts.username or ""), unquote(parts.password or "")
    )
    return prefix + clean, credential


def remember(url: str) -> str:
    """Note the credentials of `url` for the environments and `redact`; `url` without them."""
    clean, credential = split(url)
    if credential is not None:
        _KNOWN[credential.base] = credential
        _known(credential.base, credential.password or credential.username)
    return clean


public = remember


def remember_project(model: object) -> None:
    """`remember` every URL with credentials anywhere in a (frozen dataclass) model."""
    stack = [model]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "@" in item and _URL.match(item):
                remember(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack += [getattr(item, f.name) for f in dataclasses.fields(item)]
        elif isinstance(item, Mapping):
            stack += list(item.keys()) + list(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack += list(item)


def refuse(url: str, what: str) -> None:
    """ConfigError when `url` carries credentials that nix could only get from the flake."""
    clean, credential = split(url)
    if credential is not None:
        raise ConfigError(
            f"{what}: '{clean}' has credentials in its URL, and nix cannot fetch this kind "
            "of source without writing them into the flake (and the world-readable "
            "/nix/store)",
            hint=HELPER_HINT + "; for a plain https download use a netrc file (nix's "
            "netrc-file setting)",
        )


def _scope(credential: Credential) -> str:
    """Where a credential applies: its server (git may ask for `repo` or `repo.git`), or its
    exact URL when the same server has other credentials too."""
    server = credential.base.split("://", 1)[0] + "://" + credential.host
    secrets = {(c.username, c.password) for c in _KNOWN.values() if c.base.startswith(server + "/")}
    return server if len(secrets) <= 1 else credential.base


def git_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: os.environ) plus no prompts and a credential helper per known URL."""
    env = dict(os.environ if base is None else base)
    env["GIT_TERMINAL_PROMPT"] = "0"
    count = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
    for n, credential in enumerate(sorted(_KNOWN.values(), key=lambda c: c.base)):
        key = f"credential.{_scope(credential)}.helper"
        for value in ("", _HELPER.replace("{n}", str(n))):  # "" drops other helpers
            env[f"GIT_CONFIG_KEY_{count}"] = key
            env[f"GIT_CONFIG_VALUE_{count}"] = value
            count += 1
        env[f"ANYSNAKE2_GIT_USERNAME_{n}"] = credential.username
        env[f"ANYSNAKE2_GIT_PASSWORD_{n}"] = credential.password
    if count:
        env["GIT_CONFIG_COUNT"] = str(count)
    return env


def nix_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`git_env` plus `access-tokens` in NIX_CONFIG for every known host with a secret."""
    env = git_env(base)
    tokens = sorted({f"{c.host}={c.password or c.username}" for c in _KNOWN.values() if c.host})
    if tokens:
        config = env.get("NIX_CONFIG", "")
        env["NIX_CONFIG"] = (
            (config + "\n" if config else "") + "extra-access-tokens = " + " ".join(tokens)
        )
    return env


#: hg's own config files (its defaults, which an HGRCPATH replaces)
_HG_CONFIGS = "/etc/mercurial/hgrc:/etc/mercurial/hgrc.d:~/.hgrc:~/.config/hg/hgrc"


@contextmanager
def hg_env(url: str, base: Mapping[str, str] | None = None) -> Iterator[dict[str, str]]:
    """`base` (default: os.environ) for hg, with the credentials of `url` (if any) as an
    `[auth]` section: hg reads them only from the URL (argv, visible to every user in
    /proc) or config files, so HGRCPATH names an in-memory file (memfd) after the user's own
    config files, open for the block."""
    env = dict(os.environ if base is None else base)
    _, credential = split(url)
    if credential is None:
        yield env
        return
    text = (
        f"[auth]\nanysnake2.prefix = {credential.base.removeprefix('hg+')}\n"
        f"anysnake2.username = {credential.username}\n"
        f"anysnake2.password = {credential.password}\n"
    )
    fd = os.memfd_create("anysnake2-hgrc")
    try:
        os.write(fd, text.encode())
        own = env.get("HGRCPATH") or _HG_CONFIGS
        env["HGRCPATH"] = f"{own}:/proc/{os.getpid()}/fd/{fd}"
        yield env
    finally:
        os.close(fd)


def clone(
    kind: str, url: str, dest: Path, *, ref: str | None, rev: str | None, what: str, hint: str
) -> None:
    """Clone `url` into `dest` with git (`kind` "git"; `ref` checked out, then reset to
    `rev`) or mercurial ("hg"; updated to `rev`): the one clone of anysnake2, for the
    clones and for the Python sources locked from a copy. Credentials reach git and hg only
    through the environment (`git_env`, `hg_env`), never argv. FailureError (70) naming `what`,
    with the tool's redacted output, on failure."""
    from . import _proc

    clean = remember(url)
    tool = _proc.require(kind, why=f"to clone {clean}")
    env = git_env()

    def step(argv: list[str], env: dict[str, str] = env) -> None:
        proc = _proc.run(argv, env=env, check=False, redact=_secrets() + [url])
        if proc.returncode != 0:
            tail = _proc.tail((proc.stderr or "") + (proc.stdout or ""), 20)
            message = what
            if tail:
                message += ":\n" + "\n".join("  | " + line for line in tail.splitlines())
            details = _proc.failure_details(proc, lambda text: redact(text.replace(url, clean)))
            raise FailureError(redact(message.replace(url, clean)), hint=hint, **details)

    if kind == "hg":
        updaterev = ["--updaterev", rev] if rev else []
        with hg_env(url, env) as with_auth:
            argv = [tool, "--noninteractive", "clone", "--quiet", *updaterev, "--", clean]
            step([*argv, str(dest)], with_auth)
        return
    step([tool, "clone", "--quiet", "--", clean, str(dest)])
    if ref:
        step([tool, "-C", str(dest), "checkout", "--quiet", ref, "--"])
    if rev:
        step([tool, "-C", str(dest), "reset", "--quiet", "--hard", rev])
