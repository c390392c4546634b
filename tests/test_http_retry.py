"""The one HTTP session of the resolvers retries (urllib3 `Retry`): a server that fails
once and then answers is a success, for the PyPI JSON API and for a download."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from anysnake2.errors import NetworkError
from anysnake2.resolve import _http
from anysnake2.resolve.pypi import PYPI_JSON_ENV, project_json


class _Flaky:
    """A local server whose paths answer from a script: "503" (a server error), "drop"
    (the connection closes without an answer) or "ok" (200 with `body`); the last entry
    repeats."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.script: list[str] = ["ok"]
        self.seen: list[str] = []
        flaky = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                flaky.seen.append(self.path)
                step = flaky.script.pop(0) if len(flaky.script) > 1 else flaky.script[0]
                if step == "drop":
                    self.close_connection = True
                    return
                status = 503 if step == "503" else 200
                body = b"busy" if status == 503 else flaky.body
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def flaky(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Flaky]:
    server = _Flaky(json.dumps({"info": {"version": "1.0"}}).encode())
    monkeypatch.setenv(PYPI_JSON_ENV, server.url)
    yield server
    server.close()


def test_a_server_error_once_then_an_answer(flaky: _Flaky) -> None:
    flaky.script = ["503", "ok"]
    url, data = project_json("tiny")
    assert url == f"{flaky.url}/pypi/tiny/json"
    assert data == {"info": {"version": "1.0"}}
    assert flaky.seen == ["/pypi/tiny/json", "/pypi/tiny/json"]


def test_a_dropped_connection_once_then_a_download(flaky: _Flaky, tmp_path: Path) -> None:
    flaky.script = ["drop", "ok"]
    _http.download(f"{flaky.url}/files/tiny.tar.gz", tmp_path / "tiny.tar.gz")
    assert (tmp_path / "tiny.tar.gz").read_bytes() == flaky.body
    assert flaky.seen == ["/files/tiny.tar.gz", "/files/tiny.tar.gz"]


def test_a_server_that_keeps_failing_is_a_network_error(flaky: _Flaky) -> None:
    flaky.script = ["503"]
    with pytest.raises(NetworkError, match="answered HTTP 503"):
        project_json("tiny")
    assert len(flaky.seen) == 1 + _http.RETRIES
