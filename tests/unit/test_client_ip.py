"""Who the client is: the peer address, unless the peer is a configured proxy."""

from __future__ import annotations

from starlette.requests import Request

from gateway.auth import client_ip


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "headers": headers, "client": (peer, 5000)})


def test_forwarded_for_from_an_unknown_peer_is_ignored() -> None:
    assert client_ip(_request("203.0.113.9", "198.51.100.1"), trusted_proxies=[]) == "203.0.113.9"
    assert client_ip(_request("203.0.113.9", "198.51.100.1"), trusted_proxies=["10.0.0.0/8"]) == "203.0.113.9"


def test_a_trusted_proxy_names_the_client() -> None:
    request = _request("10.1.2.3", "198.51.100.1")
    assert client_ip(request, trusted_proxies=["10.0.0.0/8"]) == "198.51.100.1"


def test_a_client_cannot_spoof_through_a_trusted_proxy() -> None:
    # The client wrote "1.1.1.1" itself; the proxy appended the address it really saw.
    request = _request("10.1.2.3", "1.1.1.1, 198.51.100.1")
    assert client_ip(request, trusted_proxies=["10.0.0.0/8"]) == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked() -> None:
    request = _request("10.1.2.3", "198.51.100.1, 10.9.9.9")
    assert client_ip(request, trusted_proxies=["10.0.0.0/8"]) == "198.51.100.1"
