"""What the gateway may reach when a caller names an address (media URLs, webhooks): public addresses,
and private ones only in networks the operator allowed; and how webhooks are signed and retried."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from gateway.jobs.outbound import AddressRefusedError, allowed_networks, check_reachable, check_url
from gateway.jobs.webhooks import retry_wait, signature


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/a", "loopback"),
        ("http://127.8.9.10:8080/a", "loopback"),
        ("http://localhost/a", "loopback"),
        ("http://[::1]/a", "loopback"),
        ("http://[::ffff:127.0.0.1]/a", "loopback"),
        ("http://10.0.0.8/a", "private"),
        ("http://172.16.4.4/a", "private"),
        ("http://192.168.0.1/a", "private"),
        ("http://169.254.169.254/latest/meta-data/", "private"),
        ("http://100.64.0.1/a", "private"),
        ("http://[fc00::1]/a", "private"),
        ("http://0.0.0.0/a", "not a unicast"),
        ("http://224.0.0.1/a", "not a unicast"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://8.8.8.8/a", "only http and https"),
        ("http:///a", "no host"),
        ("http://8.8.8.8:99999/a", "not a valid URL"),
    ],
)
async def test_private_and_odd_addresses_are_refused(url: str, reason: str) -> None:
    with pytest.raises(AddressRefusedError, match=reason):
        await check_reachable(url, [])


async def test_public_addresses_and_allowed_networks_pass() -> None:
    await check_reachable("https://8.8.8.8/media.mp3", [])
    await check_reachable("http://[2001:4860:4860::8888]/a", [])
    await check_reachable("http://127.0.0.1:8080/a", allowed_networks(["127.0.0.0/8"]))
    await check_reachable("http://10.20.30.40/a", allowed_networks(["10.20.0.0/16"]))
    with pytest.raises(AddressRefusedError):
        await check_reachable("http://10.21.0.1/a", allowed_networks(["10.20.0.0/16"]))


def test_check_url_names_the_host_and_port() -> None:
    assert check_url("https://example.com/a.mp3") == ("example.com", 443)
    assert check_url("http://example.com:8080/a.mp3") == ("example.com", 8080)


def test_a_signature_is_hmac_sha256_over_the_timestamp_and_body() -> None:
    body = b'{"id": "abc"}'
    expected = hmac.new(b"whsec_k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("whsec_k", 1700000000, body) == f"t=1700000000,v1={expected}"
    assert signature("whsec_k", 1700000001, body) != signature("whsec_k", 1700000000, body)
    assert signature("whsec_other", 1700000000, body) != signature("whsec_k", 1700000000, body)


def test_retry_waits_double_up_to_ten_minutes() -> None:
    assert [retry_wait(n, 5.0) for n in range(1, 6)] == [5.0, 10.0, 20.0, 40.0, 80.0]
    assert retry_wait(20, 5.0) == 600.0
