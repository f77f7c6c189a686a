"""The account API: sign-up, the account, its keys, its usage and its private-cloud instances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from gateway import tiers
from gateway.auth import client_ip, forget_keys
from gateway.credits import Credits
from gateway.dependencies import AccountDep, CreditsDep, LimitsDep, RedisDep, SessionDep, SettingsDep
from gateway.errors import ApiError
from gateway.jobs.webhooks import new_secret
from gateway.schemas.account import (
    AccountInfo,
    AccountUpdate,
    CloudInstances,
    KeyRequest,
    Keys,
    NewKey,
    Signup,
    SignupRequest,
    UsageReport,
    WebhookSecret,
)
from gateway.settings import GatewaySettings
from gateway.store import accounts as store
from gateway.store import ledger
from gateway.store.models import Account

router = APIRouter(prefix="/api/v1", tags=["account"])


async def account_json(account: Account, credits: Credits, settings: GatewaySettings) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "id": account.id,
        "email": account.email,
        "plan": account.plan,
        "email_preferences": account.email_preferences,
        "created_at": account.created_at.isoformat(),
        "credits": await credits.balance(tiers.credits_bucket(account.id)),
    }
    if account.plan == "free":
        month = tiers.free_bucket(account.id, settings)
        shaped["minutes_remaining"] = await credits.balance(month)
        shaped["minutes_per_month"] = month.capacity
    return shaped


@router.post(
    "/signup/", status_code=201, response_model=Signup, summary="Create a free account and its first API key"
)
async def signup(
    body: SignupRequest, request: Request, session: SessionDep, settings: SettingsDep, limits: LimitsDep
) -> dict[str, Any]:
    await limits.hit("signup", client_ip(request, settings.trusted_proxies), settings.signup_per_hour, 3600)
    try:
        account = await store.create_account(session, body.email)
    except store.AccountExistsError as exc:
        raise ApiError(409, "an account with this email already exists") from exc
    key = await store.create_key(session, account)
    return {
        "account": {"id": account.id, "email": account.email, "plan": account.plan},
        "api_key": key.raw,
        "key": store.key_json(key.key),
        "note": "Keep the API key now: it is shown only once.",
    }


@router.get(
    "/account/",
    response_model=AccountInfo,
    response_model_exclude_none=True,
    summary="The account: plan, credits, minutes, email preferences",
)
async def get_account(account: AccountDep, credits: CreditsDep, settings: SettingsDep) -> dict[str, Any]:
    return await account_json(account, credits, settings)


@router.put(
    "/account/",
    response_model=AccountInfo,
    response_model_exclude_none=True,
    summary="Change the account's email preferences",
)
async def put_account(
    body: AccountUpdate, account: AccountDep, session: SessionDep, credits: CreditsDep, settings: SettingsDep
) -> dict[str, Any]:
    preferences = {**account.email_preferences, **body.email_preferences}
    most = settings.max_email_preferences
    if len(preferences) > most or any(len(name) > 64 for name in preferences):
        raise ApiError(
            413, f"an account keeps at most {most} email preferences, named in 64 characters or fewer"
        )
    account.email_preferences = preferences
    await session.flush()
    return await account_json(account, credits, settings)


@router.get("/keys/", response_model=Keys, summary="The account's API keys (never the raw keys)")
async def list_keys(account: AccountDep, session: SessionDep) -> dict[str, Any]:
    return {"keys": [store.key_json(k) for k in await store.list_keys(session, account.id)]}


@router.post(
    "/keys/",
    status_code=201,
    response_model=NewKey,
    summary="Create an API key; the raw key is in this answer only",
)
async def create_key(
    account: AccountDep, session: SessionDep, settings: SettingsDep, body: KeyRequest | None = None
) -> dict[str, Any]:
    if await store.live_keys(session, account.id) >= settings.max_live_keys:
        raise ApiError(
            409, f"the account holds {settings.max_live_keys} keys, the most it may: revoke one first"
        )
    key = await store.create_key(session, account, (body or KeyRequest()).name)
    return {"api_key": key.raw, "key": store.key_json(key.key)}


@router.post(
    "/webhook-secret/",
    status_code=201,
    response_model=WebhookSecret,
    summary="Make (or replace) the secret that signs the account's webhooks; shown in this answer only",
)
async def make_webhook_secret(account: AccountDep, session: SessionDep) -> dict[str, Any]:
    account.webhook_secret = new_secret()
    return {"secret": account.webhook_secret}


@router.delete("/keys/{key_id}/", status_code=204, summary="Revoke a key; it stops working at once")
async def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    account: AccountDep,
    session: SessionDep,
    redis: RedisDep,
) -> Response:
    revoked = await store.revoke_key(session, account.id, key_id)
    if revoked is None:
        raise ApiError(404, "no such key")
    await session.commit()  # revoked in the truth first, then the cache forgets it
    await forget_keys(redis, [revoked.key_hash])
    return Response(status_code=204)


@router.get("/usage/", response_model=UsageReport, summary="Usage of the last 30 days, a row per day")
async def usage(account: AccountDep, session: SessionDep) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    first = today - timedelta(days=29)
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    charged = {row["date"]: row for row in await ledger.charges_by_day(session, account.id, since)}
    days = [first + timedelta(days=n) for n in range(30)]
    return {
        "usage": [
            {
                "date": day.isoformat(),
                "transcriptions": charged.get(day.isoformat(), {}).get("transcriptions", 0),
                "minutes": charged.get(day.isoformat(), {}).get("minutes", 0),
            }
            for day in days
        ]
    }


@router.get("/cloud/", response_model=CloudInstances, summary="The account's dedicated service instances")
async def cloud(account: AccountDep) -> dict[str, Any]:
    # Dedicated instances are provisioned by operators outside this gateway; none are attached here.
    return {"instances": []}
