"""Who is calling: a key's account (free or paid) or an anonymous client IP. A key that is present but
unknown or revoked is 401, never a silent fall-back to anonymous; keys are never logged."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, replace

from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from gateway.errors import ApiError
from gateway.state import GatewayState
from gateway.store.accounts import account_for_key, hash_key
from gateway.store.models import utcnow


@dataclass(frozen=True)
class Principal:
    tier: str
    """`anonymous`, `free` or `paid`."""
    client_ip: str
    account_id: int | None = None
    key_id: int | None = None

    @property
    def subject(self) -> str:
        return f"account:{self.account_id}" if self.account_id is not None else f"ip:{self.client_ip}"


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


def cache_key(key_hash: str) -> str:
    return f"auth:{key_hash}"


async def forget_keys(redis: Redis, key_hashes: list[str]) -> None:
    """Drops cached lookups, so a revocation or a plan change takes effect at once."""
    if key_hashes:
        await redis.delete(*(cache_key(h) for h in key_hashes))


async def _lookup(raw_key: str, state: GatewayState, ip: str) -> Principal | None:
    """The key's account from the Redis cache, or from SQL (then cached). Revocation deletes the entry.
    Only a key that is not cached can be a guess, so only such keys meet the failed-attempts limit."""
    redis, settings = state.redis, state.settings
    digest = hash_key(raw_key)
    cached = await redis.get(cache_key(digest))
    if cached is not None:
        known = json.loads(cached)
        return Principal(known["plan"], "", known["account_id"], known["key_id"])
    await state.limits.check("failed-auth", ip, settings.failed_auth_per_minute)
    async with state.sessions.begin() as session:
        found = await account_for_key(session, raw_key)
        if found is None:
            return None
        account, key = found
        key.last_used_at = utcnow()  # at most once per cache period
    entry = {"plan": account.plan, "account_id": account.id, "key_id": key.id}
    await redis.set(cache_key(digest), json.dumps(entry), ex=settings.auth_cache_ttl_s)
    return Principal(account.plan, "", account.id, key.id)


async def authenticate(connection: HTTPConnection, state: GatewayState) -> Principal:
    settings = state.settings
    ip = client_ip(connection, settings.trusted_proxies)
    raw_key = presented_key(connection)
    if raw_key is None:
        return Principal("anonymous", ip)
    found = await _lookup(raw_key, state, ip)
    if found is None:
        await state.limits.hit("failed-auth", ip, settings.failed_auth_per_minute, 60)
        raise ApiError(401, "invalid or revoked API key")
    return replace(found, client_ip=ip)
