"""Masking secrets in text: the leaf that logging, the runner and `credentials` share.

`credentials.remember` registers the secret of each URL here (`known`); `redact` masks it
and every `scheme://user:password@` in any text. Standard library only, imports nothing of
anysnake2, so `_log`, `_proc` and `credentials` can all use it without an import circle.
"""

from __future__ import annotations

import re

__all__ = ["USERINFO", "known", "redact", "scheme_end", "secrets"]

# user:password@ in any URL, or a lone user (a token) in an http(s) URL; ssh's `git@` stays
USERINFO = re.compile(r"(?:://[^/@\s'\"?#:]*:[^/@\s'\"?#]*@|(?<=http)(s?://)[^/@\s'\"?#:]+@)")

#: Shorter secrets are masked only inside URLs: replacing "y" everywhere would garble text.
_MIN_BARE_SECRET = 6

#: the secret of every URL with credentials seen so far, by the URL's base
_KNOWN: dict[str, str] = {}


def known(base: str, secret: str) -> None:
    """Remember `secret` (a password, or a token given as the user name) of URL `base`."""
    _KNOWN[base] = secret


def secrets() -> list[str]:
    """The remembered secrets masked anywhere in text, longest first."""
    found = {s for s in _KNOWN.values() if len(s) >= _MIN_BARE_SECRET}
    return sorted(found, key=len, reverse=True)


def scheme_end(match: re.Match[str]) -> str:
    """What replaces a `USERINFO` match: the `://` (or `s://`) it started with."""
    return match.group(1) or "://"


def redact(text: str) -> str:
    """`text` without any `scheme://user:password@` and without any known secret (of at
    least 6 characters; shorter ones only where they stand in a URL)."""
    clean = USERINFO.sub(scheme_end, text)
    for secret in secrets():
        clean = clean.replace(secret, "***")
    return clean
