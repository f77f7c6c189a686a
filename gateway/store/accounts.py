"""Accounts and their API keys. A raw key exists only in the answer that creates it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.models import Account, ApiKey, utcnow

KEY_PREFIX = "stt_"
PLANS = ("free", "paid")


class AccountExistsError(ValueError):
    pass


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    raw: str


async def create_account(session: AsyncSession, email: str, plan: str = "free") -> Account:
    account = Account(email=email.strip().lower(), plan=plan, email_preferences={})
    session.add(account)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise AccountExistsError(f"an account for {email} already exists") from exc
    return account


async def account_by_email(session: AsyncSession, email: str) -> Account | None:
    found = await session.scalars(select(Account).where(Account.email == email.strip().lower()))
    return found.first()


async def create_key(session: AsyncSession, account: Account, name: str = "default") -> NewKey:
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(account_id=account.id, name=name, prefix=raw[:12], key_hash=hash_key(raw))
    session.add(key)
    await session.flush()
    return NewKey(key, raw)


async def account_for_key(session: AsyncSession, raw_key: str) -> tuple[Account, ApiKey] | None:
    """The live key's account, or None for an unknown or revoked key. The lookup is by hash; the
    final comparison is constant-time so timing says nothing about how much of a key matched."""
    digest = hash_key(raw_key)
    row = (
        await session.execute(
            select(ApiKey, Account)
            .join(Account)
            .where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
        )
    ).first()
    if row is None or not hmac.compare_digest(row.ApiKey.key_hash, digest):
        return None
    return row.Account, row.ApiKey


async def live_keys(session: AsyncSession, account_id: int) -> int:
    found = await session.scalar(
        select(func.count()).where(ApiKey.account_id == account_id, ApiKey.revoked_at.is_(None))
    )
    return int(found or 0)


async def list_keys(session: AsyncSession, account_id: int) -> list[ApiKey]:
    found = await session.scalars(select(ApiKey).where(ApiKey.account_id == account_id).order_by(ApiKey.id))
    return list(found)


async def revoke_key(session: AsyncSession, account_id: int, key_id: int) -> ApiKey | None:
    key = await session.get(ApiKey, key_id)
    if key is None or key.account_id != account_id:
        return None
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key


def key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "created_at": key.created_at.isoformat(),
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
        "revoked": key.revoked_at is not None,
    }
