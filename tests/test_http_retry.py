"""The one HTTP session of the resolvers retries (urllib3 `Retry`): a server that fails
once and then answers is a success, for the PyPI JSON API and for a download."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anysnake2.errors import NetworkError
from anysnake2.resolve import _http
from anysnake2.resolve.pypi import PYPI_JSON_ENV, project_json

BODY = json.dumps({"info": {"version": "1.0"}}).encode()
BUSY = (503, b"busy")
OK = (200, BODY)


@pytest.fixture
def flaky(http_server, monkeypatch: pytest.MonkeyPatch):
    server = http_server()
    monkeypatch.setenv(PYPI_JSON_ENV, server.url)
    return server


def test_a_server_error_once_then_an_answer(flaky) -> None:
    flaky.script("/pypi/tiny/json", [BUSY, OK])
    url, data = project_json("tiny")
    assert url == f"{flaky.url}/pypi/tiny/json"
    assert data == {"info": {"version": "1.0"}}
    assert flaky.paths() == ["/pypi/tiny/json", "/pypi/tiny/json"]


def test_a_dropped_connection_once_then_a_download(flaky, tmp_path: Path) -> None:
    flaky.script("/files/tiny.tar.gz", ["drop", OK])
    _http.download(f"{flaky.url}/files/tiny.tar.gz", tmp_path / "tiny.tar.gz")
    assert (tmp_path / "tiny.tar.gz").read_bytes() == BODY
    assert flaky.paths() == ["/files/tiny.tar.gz", "/files/tiny.tar.gz"]


def test_a_server_that_keeps_failing_is_a_network_error(flaky) -> None:
    flaky.script("/pypi/tiny/json", [BUSY])
    with pytest.raises(NetworkError, match="answered HTTP 503"):
        project_json("tiny")
    assert len(flaky.paths()) == 1 + _http.RETRIES
