"""A local threaded HTTP server answering like the GitHub REST API (for the tests).

Routes map a request path with its query (``/repos/o/r/tags?per_page=100&page=1``) to a
status, headers and a JSON body; ``{base}`` in headers and bodies becomes the URL the
client used (so Link headers point back here, also when reached through a proxy).
Every request is recorded. A request line with an absolute URL (what a client sends to
an HTTP proxy) is answered from the same routes and marked ``proxied``; a CONNECT (an
HTTPS tunnel through a proxy) is recorded and refused.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["RESOURCES", "FakeGitHub", "Seen"]

RESOURCES = Path(__file__).parent / "resources" / "github_api"


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    proxied: bool


@dataclass
class _Route:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class FakeGitHub:
    """Start with `with FakeGitHub() as gh:`; `gh.url` is its base URL."""

    def __init__(self) -> None:
        self.routes: dict[str, _Route] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>"""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(
        self,
        path: str,
        body: Any = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        file: str | None = None,
        raw: str | None = None,
    ) -> None:
        """Answer `path` (with query) with `body` (JSON-encoded), a resources file or raw text."""
        if raw is not None:
            text = raw
        else:
            text = (RESOURCES / file).read_text() if file else json.dumps(body)
        self.routes[path] = _Route(status, text, dict(headers or {}))

    def paths(self) -> list[str]:
        """The paths (with query) requested so far, in order."""
        with self._lock:
            return [seen.path for seen in self.requests]

    def __enter__(self) -> FakeGitHub:  # noqa: PYI034
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                proxied = self.path.startswith("http://")
                if proxied:
                    parts = urlsplit(self.path)
                    base = f"http://{parts.netloc}"
                    path = parts.path + (f"?{parts.query}" if parts.query else "")
                else:
                    base = f"http://{self.headers.get('Host', '')}"
                    path = self.path
                with outer._lock:
                    outer.requests.append(Seen("GET", path, dict(self.headers.items()), proxied))
                route = outer.routes.get(path) or _Route(
                    404, (RESOURCES / "not_found.json").read_text()
                )
                data = route.body.replace("{base}", base).encode()
                self.send_response(route.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in route.headers.items():
                    self.send_header(key, value.replace("{base}", base))
                self.end_headers()
                self.wfile.write(data)

            def do_CONNECT(self) -> None:
                # An HTTPS tunnel request: recorded and refused (the tests speak no TLS).
                with outer._lock:
                    outer.requests.append(
                        Seen("CONNECT", self.path, dict(self.headers.items()), True)
                    )
                self.send_response(502)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler
