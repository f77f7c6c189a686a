"""Who is calling: a key's account (free or paid) or an anonymous client IP. A key that is present but
unknown or revoked is 401, never a silent fall-back to anonymous; keys are never logged."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from starlette.requests import HTTPConnection

from gateway.errors import ApiError
from gateway.limits import Limits
from gateway.settings import GatewaySettings
from gateway.store.accounts import account_for_key
from gateway.store.models import Account, utcnow

_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    tier: str
    """`anonymous`, `free` or `paid`."""
    client_ip: str
    account: Account | None = None
    key_id: int | None = None

    @property
    def subject(self) -> str:
        return f"account:{self.account.id}" if self.account else f"ip:{self.client_ip}"


def _trusted(address: str, proxies: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def client_ip(connection: HTTPConnection, trusted_proxies: list[str]) -> str:
    """The peer address, or, when the peer is a trusted proxy, the nearest untrusted address in
    `X-Forwarded-For` (anyone can write that header; only our own proxies are believed)."""
    peer = connection.client.host if connection.client else "unknown"
    if not trusted_proxies or not _trusted(peer, trusted_proxies):
        return peer
    hops = [h.strip() for h in connection.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted_proxies):
            return hop
    return peer


def presented_key(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "malformed Authorization header: use 'Bearer <API key>'")
        return token.strip()
    if connection.scope["type"] == "websocket":
        return connection.query_params.get("token") or None
    return None


async def authenticate(connection: HTTPConnection, settings: GatewaySettings, limits: Limits) -> Principal:
    ip = client_ip(connection, settings.trusted_proxies)
    raw_key = presented_key(connection)
    if raw_key is None:
        return Principal("anonymous", ip)
    await limits.check("failed-auth", ip, settings.failed_auth_per_minute)
    sessions = connection.app.state.sessions
    async with sessions.begin() as session:
        found = await account_for_key(session, raw_key)
        if found is not None:
            account, key = found
            now = utcnow()
            if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY:
                key.last_used_at = now
    if found is None:
        await limits.hit("failed-auth", ip, settings.failed_auth_per_minute, 60)
        raise ApiError(401, "invalid or revoked API key")
    return Principal(account.plan, ip, account, key.id)
