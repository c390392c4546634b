"""Source URLs of clones and Python packages: parse, validate, print.

The grammar is the original's (nix-like, no registry):

- `github:OWNER/REPO[/REF[/REV]]`, `github:OWNER/REPO//REV` (a 40-hex third part is a rev);
- `git+<url>[?ref=REF][&rev=REV]` (any scheme: https, ssh, file);
- `hg+<url>[?rev=REV]`;
- `file://<path>` (a folder copied as it is; 1.x clones);
- any other `scheme://...` is a plain URL (an sdist or wheel).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ._util.github import github_ref_rev, split_github
from .errors import ConfigError

__all__ = ["Source", "SourceKind", "parse_source", "strip_credentials"]

SourceKind = Literal["github", "git", "hg", "file", "url"]


@dataclass(frozen=True)
class Source:
    """Where code comes from. `location` is `owner/repo` for github, else the inner URL."""

    kind: SourceKind
    location: str
    ref: str | None = None
    rev: str | None = None

    def __str__(self) -> str:
        return self.to_url()

    def to_url(self, *, credentials: bool = True) -> str:
        """The canonical URL string (what our TOML writes)."""
        location = self.location if credentials else strip_credentials(self.location)
        if self.kind == "github":
            if self.rev and not self.ref:
                return f"github:{location}//{self.rev}"
            return "/".join(["github:" + location] + [p for p in (self.ref, self.rev) if p])
        if self.kind in ("git", "hg"):
            query = "&".join(f"{k}={v}" for k, v in (("ref", self.ref), ("rev", self.rev)) if v)
            return f"{self.kind}+{location}" + (f"?{query}" if query else "")
        return location

    def with_rev(self, rev: str | None) -> Source:
        """A copy pinned to `rev`."""
        return Source(self.kind, self.location, self.ref, rev)

    @property
    def fetch_url(self) -> str:
        """The URL a VCS client clones from (no query, no prefix)."""
        if self.kind == "github":
            return f"https://github.com/{self.location}"
        if self.kind == "file":
            return self.location[len("file://") :]
        return self.location


def strip_credentials(url: str) -> str:
    """Remove `user:password@` from a URL, keeping everything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def parse_source(text: str) -> Source:
    """Parse a source URL; raises ConfigError with what is accepted."""
    text = text.strip()
    if text.startswith("path:"):
        raise ConfigError(
            f"'{text}': path: URLs are not accepted (nix handles ?rev= wrong for them)",
            hint="use file:///absolute/path for a folder, or git+file:///path for a repository",
        )
    if text.startswith("github:"):
        return _parse_github(text)
    if text.startswith(("git+", "hg+")):
        kind: SourceKind = "git" if text.startswith("git+") else "hg"
        inner = text.split("+", 1)[1]
        base, _, query = inner.partition("?")
        ref = rev = None
        for key, value in parse_qsl(query, keep_blank_values=True):
            if key == "ref" and kind == "git":
                ref = value or None
            elif key == "rev":
                rev = value or None
            else:
                allowed = "ref and rev" if kind == "git" else "rev"
                raise ConfigError(
                    f"'{text}': unknown query key '{key}'", hint=f"{kind}+ URLs take {allowed}"
                )
        if "://" not in base:
            raise ConfigError(f"'{text}': expected {kind}+<scheme>://...")
        return Source(kind, base, ref, rev)
    if text.startswith("file://"):
        return Source("file", text)
    if re.match(r"^[a-z][a-z0-9+.-]*://", text):
        return Source("url", text)
    raise ConfigError(
        f"'{text}' is not a source URL this tool understands",
        hint="use github:owner/repo[/branch[/rev]], git+https://...[?ref=..&rev=..], "
        "hg+https://...[?rev=..], file:///path or an https:// URL of an sdist or wheel",
    )


def _parse_github(text: str) -> Source:
    body = text[len("github:") :]
    if "?" in body:
        raise ConfigError(
            f"'{text}': github: source URLs take no query string",
            hint="write github:owner/repo/branch/rev",
        )
    owner_repo, rest = split_github(text)  # 1.x accepted github:/owner/repo
    owner, _, repo = owner_repo.partition("/")
    if not owner or not repo:
        raise ConfigError(f"'{text}': expected github:owner/repo[/branch[/rev]]")
    if len(rest) > 2:
        raise ConfigError(f"'{text}': too many parts; expected github:owner/repo/branch/rev")
    ref, rev = github_ref_rev(rest)
    return Source("github", owner_repo, ref, rev)
