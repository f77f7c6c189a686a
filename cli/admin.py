"""`stt admin`: the operator's commands on accounts, credits, plans and keys. Prints JSON.

It talks to the same database (`STT_DATABASE_URL`, or the SQLite file in `STT_DATA_DIR`) and Redis
(`STT_GATEWAY_REDIS_URL`) as the gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from typing import Any

from redis.exceptions import RedisError

from gateway import tiers
from gateway.auth import forget_keys
from gateway.settings import GatewaySettings
from gateway.state import GatewayState
from gateway.store import accounts as store
from gateway.store.models import Account


class AdminError(Exception):
    pass


def add_parser(commands: Any) -> None:
    admin = commands.add_parser("admin", help="operator commands: accounts, credits, plans, keys (JSON out)")
    actions = admin.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create-account", help="create an account and its first key")
    create.add_argument("--email", required=True)
    create.add_argument("--plan", choices=store.PLANS, default="free")
    create.add_argument("--credits", type=int, default=0, help="credits to grant at once (paid plan)")
    grant = actions.add_parser("grant", help="grant credits (1 credit = 1 minute of audio)")
    grant.add_argument("--email", required=True)
    grant.add_argument("--credits", type=int, required=True)
    grant.add_argument("--note", default="granted by an operator")
    plan = actions.add_parser("set-plan", help="change an account's plan")
    plan.add_argument("--email", required=True)
    plan.add_argument("--plan", choices=store.PLANS, required=True)
    show = actions.add_parser("show", help="an account with its balance")
    show.add_argument("--email", required=True)
    keys = actions.add_parser("keys", help="list an account's keys")
    keys.add_argument("--email", required=True)
    new_key = actions.add_parser("create-key", help="create a key (the raw key is printed once)")
    new_key.add_argument("--email", required=True)
    new_key.add_argument("--name", default="default")
    revoke = actions.add_parser("revoke-key", help="revoke a key; it stops working at once")
    revoke.add_argument("--email", required=True)
    revoke.add_argument("--key-id", type=int, required=True)


async def _run(args: argparse.Namespace, settings: GatewaySettings) -> dict[str, Any]:
    state = await GatewayState.open(settings)  # what the gateway holds: the same stores, the same way
    credits = state.credits
    forget: list[str] = []  # cached key lookups to drop once the change is committed
    try:
        async with state.sessions.begin() as session:
            if args.action == "create-account":
                try:
                    account = await store.create_account(session, args.email, args.plan)
                except store.AccountExistsError as exc:
                    raise AdminError(str(exc)) from exc
                key = await store.create_key(session, account)
                answer: dict[str, Any] = {"account": _account(account), "api_key": key.raw}
            else:
                account = await _find(session, args.email)
                answer = {"account": _account(account)}
                if args.action == "set-plan":
                    account.plan = args.plan
                    answer["account"] = _account(account)
                    forget = [k.key_hash for k in await store.list_keys(session, account.id)]
                elif args.action == "keys":
                    answer["keys"] = [store.key_json(k) for k in await store.list_keys(session, account.id)]
                elif args.action == "create-key":
                    key = await store.create_key(session, account, args.name)
                    answer.update(api_key=key.raw, key=store.key_json(key.key))
                elif args.action == "revoke-key":
                    revoked = await store.revoke_key(session, account.id, args.key_id)
                    if revoked is None:
                        raise AdminError(f"account {args.email} has no key {args.key_id}")
                    answer["key"] = store.key_json(revoked)
                    forget = [revoked.key_hash]
        if forget:
            try:
                await forget_keys(state.redis, forget)
            except RedisError:
                answer["warning"] = (
                    f"Redis could not be reached: the change is saved, and keys may act on the old state "
                    f"for up to {settings.auth_cache_ttl_s} s"
                )
        amount = getattr(args, "credits", 0) if args.action in ("create-account", "grant") else 0
        if amount:
            note = getattr(args, "note", "initial credits")
            # A Redis that cannot be reached is fine: the grant is in SQL, and the cache is rebuilt from it.
            with contextlib.suppress(RedisError):
                await credits.grant(tiers.credits_bucket(account.id), amount, note)
        answer["credits"] = await credits.balance(tiers.credits_bucket(account.id))
        return answer
    finally:
        await state.close()


async def _find(session: Any, email: str) -> Account:
    account = await store.account_by_email(session, email)
    if account is None:
        raise AdminError(f"no account for {email}")
    return account


def _account(account: Account) -> dict[str, Any]:
    return {"id": account.id, "email": account.email, "plan": account.plan}


def run(args: argparse.Namespace) -> int:
    try:
        answer = asyncio.run(_run(args, GatewaySettings()))
    except AdminError as exc:
        print(json.dumps({"error": str(exc)}), file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2))
    return 0
