"""HTTP to addresses that callers give us (media URLs, webhooks) without letting them reach inside our
own network (SSRF). Every connection is checked where it is made: the host is resolved, and only an
address that is public (or in a network the operator allowed) is dialled, so a name that resolves
to a private address, a redirect to one, or a name re-pointed after the first check (DNS rebinding)
all fail. TLS still checks the certificate against the host's name."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefusedError(ValueError):
    """The URL is not one the gateway may reach: its message says why, for the caller."""


def allowed_networks(cidrs: Iterable[str]) -> list[IpNetwork]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]


def _refusal(address: IpAddress, allowed: list[IpNetwork]) -> str | None:
    """Why `address` may not be reached, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed):
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_multicast or address.is_unspecified:
        return "not a unicast address"
    if not address.is_global:
        return "a private or reserved address"
    return None


def check_url(url: str) -> tuple[str, int]:
    """The URL's host and port when it is an absolute http(s) URL; AddressRefusedError otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise AddressRefusedError(f"not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise AddressRefusedError("only http and https URLs are fetched")
    if not parts.hostname:
        raise AddressRefusedError("the URL has no host")
    return parts.hostname, port


async def resolve_allowed(host: str, port: int, allowed: list[IpNetwork]) -> list[str]:
    """The host's addresses, every one of them allowed; AddressRefusedError naming why not."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AddressRefusedError(f"the host {host!r} cannot be resolved") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        why = _refusal(ipaddress.ip_address(address.split("%")[0]), allowed)
        if why is not None:
            raise AddressRefusedError(f"{host} resolves to {address}, {why}: the gateway does not reach it")
    return addresses


async def check_reachable(url: str, allowed: list[IpNetwork]) -> None:
    """Refuses, before any work, a URL the gateway would refuse to dial."""
    host, port = check_url(url)
    await resolve_allowed(host, port, allowed)


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network layer, dialling only checked addresses (the TLS layer above it still uses the
    URL's host name for SNI and the certificate)."""

    def __init__(self, allowed: list[IpNetwork]) -> None:
        self._allowed = allowed
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve_allowed(host, port, self._allowed)
        except AddressRefusedError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        return await self._inner.connect_tcp(addresses[0], port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> Any:
        raise httpcore.ConnectError("unix sockets are never dialled")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def checked_pool(allowed: list[IpNetwork]) -> httpcore.AsyncConnectionPool:
    """A connection pool that dials only allowed addresses."""
    return httpcore.AsyncConnectionPool(network_backend=_CheckedBackend(allowed), max_connections=20)
