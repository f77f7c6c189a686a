"""A job's media fetched over real HTTP from a server on the loopback address: redirects followed and
checked again, addresses refused where the connection is made (not only when the job is submitted),
sizes bounded as the bytes arrive."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gateway.jobs.fetch import FetchError, fetch_media
from gateway.jobs.outbound import allowed_networks, checked_pool

MEDIA = b"RIFF" + bytes(range(256)) * 40  # 10 KB: any bytes do, nothing decodes them here


class _Server(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = {
            "/media/talk.wav": (200, {"Content-Length": str(len(MEDIA))}, MEDIA),
            "/hop": (302, {"Location": "/media/talk.wav", "Content-Length": "0"}, b""),
            "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/", "Content-Length": "0"}, b""),
            "/loop": (302, {"Location": "/loop", "Content-Length": "0"}, b""),
            "/unsized": (200, {"Connection": "close"}, MEDIA),
        }
        status, headers, body = routes.get(self.path, (404, {"Content-Length": "0"}, b""))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


async def _fetch(url: str, destination: Path, allowed: list[str], max_bytes: int = 1_000_000) -> str:
    async with checked_pool(allowed_networks(allowed)) as pool:
        return await fetch_media(pool, url, destination, max_bytes, timeout_s=30)


async def test_media_is_fetched_through_a_redirect(server: str, tmp_path: Path) -> None:
    name = await _fetch(f"http://{server}/hop", tmp_path / "media", ["127.0.0.0/8"])
    assert (tmp_path / "media").read_bytes() == MEDIA
    assert name == "talk.wav"  # the name the last URL gives


async def test_a_redirect_to_a_private_address_is_refused(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"169\.254\.169\.254"):
        await _fetch(f"http://{server}/to-metadata", tmp_path / "media", ["127.0.0.0/8"])


async def test_the_address_is_checked_where_the_connection_is_made(server: str, tmp_path: Path) -> None:
    port = server.split(":")[1]
    for host in ("127.0.0.1", "localhost"):  # a name is resolved and checked too (DNS rebinding)
        with pytest.raises(FetchError, match="loopback"):
            await _fetch(f"http://{host}:{port}/media/talk.wav", tmp_path / "media", [])


async def test_sizes_are_bounded_declared_or_not(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="limit"):
        await _fetch(f"http://{server}/media/talk.wav", tmp_path / "a", ["127.0.0.0/8"], max_bytes=1000)
    with pytest.raises(FetchError, match="limit"):
        await _fetch(f"http://{server}/unsized", tmp_path / "b", ["127.0.0.0/8"], max_bytes=1000)


async def test_errors_and_redirect_loops_say_what_happened(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        await _fetch(f"http://{server}/nothing", tmp_path / "a", ["127.0.0.0/8"])
    with pytest.raises(FetchError, match="redirects"):
        await _fetch(f"http://{server}/loop", tmp_path / "b", ["127.0.0.0/8"])
