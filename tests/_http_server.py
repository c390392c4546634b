"""The one local HTTP server of the tests (127.0.0.1, a free port, threaded).

A `LocalServer` answers, in this order:

- recorded answers: `add(path_with_query, body | file= | raw=)` with a status and headers;
  ``{base}`` in headers and bodies becomes the URL the client used (Link headers point back
  here, also when reached through a proxy). `resources` is the folder `file=` reads from
  (the GitHub API answers by default: `github()` makes such a server);
- CGI programs: `cgi(prefix, argv, env)` runs `argv` for every request below `prefix`
  (`git http-backend`, Mercurial's hgweb) with the CGI variables and the request body;
- folders: `folder(prefix, directory)` serves the files below `directory` (git's "dumb"
  protocol, a package index);
- else 404 (with `not_found` as the body).

With `auth=(user, password)` every request without that basic `Authorization` header is
answered 401 (counted in `refused`; answered requests in `served`). Every request is
recorded in `requests`. A request line with an absolute URL (what a client sends to an
HTTP proxy) is answered from the same routes and marked ``proxied``; a CONNECT (an HTTPS
tunnel through a proxy) is recorded and refused. Start it with `with LocalServer() as s:`,
or through the `http_server` fixture factory of conftest.py.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["GITHUB_RESOURCES", "LocalServer", "Seen", "github"]

GITHUB_RESOURCES = Path(__file__).parent / "resources" / "github_api"


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
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Cgi:
    prefix: str
    argv: list[str]
    env: dict[str, str]


class LocalServer:
    """A local HTTP server; `url` is its base URL once made (it serves once started)."""

    def __init__(
        self,
        *,
        auth: tuple[str, str] | None = None,
        resources: Path | None = None,
        not_found: str = "",
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        self.routes: dict[str, _Route] = {}
        self.requests: list[Seen] = []
        self.served = 0
        self.refused = 0
        self.resources = resources
        self.not_found = not_found.encode()
        self.content_type = content_type
        self._expected = None
        if auth is not None:
            self._expected = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        self._cgis: list[_Cgi] = []
        self._scripts: dict[str, list[str | tuple[int, bytes]]] = {}
        self._folders: list[tuple[str, Path]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>"""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._server.server_address[1])

    def url_for(self, path: str, user: str | None = None, password: str | None = None) -> str:
        """`http://[user:password@]127.0.0.1:<port>/<path>`."""
        auth = f"{user}:{password}@" if user else ""
        return f"http://{auth}127.0.0.1:{self.port}/{path.lstrip('/')}"

    def add(
        self,
        path: str,
        body: Any = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        file: str | None = None,
        raw: str | bytes | None = None,
    ) -> None:
        """Answer `path` (with query) with `body` (JSON-encoded), a `resources` file or raw
        text/bytes."""
        if raw is not None:
            data = raw.encode() if isinstance(raw, str) else raw
        elif file is not None:
            assert self.resources is not None, "file= needs resources="
            data = (self.resources / file).read_bytes()
        else:
            data = json.dumps(body).encode()
        self.routes[path] = _Route(status, data, dict(headers or {}))

    def script(self, path: str, steps: list[str | tuple[int, bytes]]) -> None:
        """Answer `path` from `steps` in turn, the last one repeating: `(status, body)`, or
        "drop" (the connection closes without an answer)."""
        self._scripts[path] = list(steps)

    def cgi(self, prefix: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        """Run the CGI program `argv` (with `env` added) for every request below `prefix`."""
        self._cgis.append(_Cgi(prefix.rstrip("/"), list(argv), dict(env or {})))

    def folder(self, prefix: str, directory: Path) -> None:
        """Serve the files below `directory` at `prefix`."""
        self._folders.append((prefix.rstrip("/"), Path(directory)))

    def paths(self) -> list[str]:
        """The paths (with query) requested so far, in order."""
        with self._lock:
            return [seen.path for seen in self.requests]

    def start(self) -> LocalServer:
        """Serve in a background thread; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalServer:  # noqa: PYI034
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- answering ---------------------------------------------------------------------

    def answer(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        """Record and answer one request (GET/POST/HEAD)."""
        proxied = request.path.startswith("http://")
        if proxied:
            parts = urlsplit(request.path)
            base = f"http://{parts.netloc}"
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            base = f"http://{request.headers.get('Host', '')}"
            path = request.path
        with self._lock:
            self.requests.append(Seen(request.command, path, dict(request.headers), proxied))
        if self._expected and request.headers.get("Authorization") != self._expected:
            with self._lock:
                self.refused += 1
            _send(request, 401, b"", {"WWW-Authenticate": 'Basic realm="tests"'})
            return
        with self._lock:
            self.served += 1
            steps = self._scripts.get(path)
            step = (steps.pop(0) if len(steps) > 1 else steps[0]) if steps else None
        if step == "drop":
            request.close_connection = True
            return
        if isinstance(step, tuple):
            _send(request, step[0], step[1], {"Content-Type": self.content_type})
            return
        route = self.routes.get(path)
        if route is not None:
            data = route.body.replace(b"{base}", base.encode())
            headers = {"Content-Type": self.content_type}
            headers |= {k: v.replace("{base}", base) for k, v in route.headers.items()}
            _send(request, route.status, data, headers)
            return
        plain = urlsplit(path).path
        for cgi in self._cgis:
            if plain == cgi.prefix or plain.startswith(cgi.prefix + "/"):
                self._run_cgi(request, cgi, path, body)
                return
        for prefix, directory in self._folders:
            if plain.startswith(prefix + "/"):
                file = (directory / unquote(plain[len(prefix) + 1 :])).resolve()
                if file.is_file() and file.is_relative_to(directory.resolve()):
                    _send(request, 200, file.read_bytes(), {})
                    return
        _send(request, 404, self.not_found, {"Content-Type": self.content_type})

    def _run_cgi(self, request: BaseHTTPRequestHandler, cgi: _Cgi, path: str, body: bytes) -> None:
        parts = urlsplit(path)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.port),
            "REQUEST_METHOD": request.command,
            "SCRIPT_NAME": cgi.prefix,
            "PATH_INFO": unquote(parts.path[len(cgi.prefix) :]) or "/",
            "QUERY_STRING": parts.query,
            "CONTENT_TYPE": request.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_USER": "tests",
        }
        for key, value in request.headers.items():
            env["HTTP_" + key.upper().replace("-", "_")] = value
        if request.headers.get("Git-Protocol"):  # git http-backend reads it by this name
            env["GIT_PROTOCOL"] = request.headers["Git-Protocol"]
        env |= cgi.env
        proc = subprocess.run(cgi.argv, input=body, env=env, capture_output=True, check=False)
        head, sep, payload = proc.stdout.partition(b"\r\n\r\n")
        if not sep:
            head, _, payload = proc.stdout.partition(b"\n\n")
        status, headers = 200, {}
        for line in head.decode("latin-1").splitlines():
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers[key] = value.strip()
        if proc.returncode != 0 and not head:
            status, payload = 500, proc.stderr
        _send(request, status, payload, headers)


def _send(
    request: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict[str, str]
) -> None:
    request.send_response(status)
    for key, value in headers.items():
        if key.lower() != "content-length":
            request.send_header(key, value)
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    if request.command != "HEAD":
        request.wfile.write(data)


def _handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            server.answer(self, b"")

        do_HEAD = do_GET

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            server.answer(self, self.rfile.read(length))

        def do_CONNECT(self) -> None:
            # An HTTPS tunnel request: recorded and refused (the tests speak no TLS).
            with server._lock:
                server.requests.append(Seen("CONNECT", self.path, dict(self.headers), True))
            _send(self, 502, b"", {})

    return Handler


def github() -> LocalServer:
    """A server answering like the GitHub REST API: `file=` reads the recorded answers in
    tests/resources/github_api, unknown paths get GitHub's 404 body."""
    return LocalServer(
        resources=GITHUB_RESOURCES,
        not_found=(GITHUB_RESOURCES / "not_found.json").read_text(),
    )
