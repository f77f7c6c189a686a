"""Tier limits and credits through the real gateway, Redis and database: anonymous, free and paid
callers, 402, 413 and 429, and charges that stay right under concurrency, a crashed gateway and a
Redis restart."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis as redis_client

from cli.processes import start_redis, stop
from tests.conftest import Speech
from tests.e2e.conftest import OwnGateway

pytestmark = pytest.mark.e2e


def _auth(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def _post(platform: OwnGateway, clip: Speech, key: str | None = None, **fields: str) -> httpx.Response:
    return httpx.post(
        f"{platform.url}/v1/transcribe",
        files={"file": (clip.path.name, clip.path.read_bytes())},
        data={"model": "tiny.en", **fields},
        headers=_auth(key),
        timeout=300,
    )


def admin(platform: OwnGateway, *args: str) -> dict[str, object]:
    """`stt admin ...` against the platform's own database and Redis."""
    env = {**os.environ, "STT_DATA_DIR": str(platform.data_dir), "STT_GATEWAY_REDIS_URL": platform.redis_url}
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "admin", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _credits(platform: OwnGateway, key: str) -> int:
    return int(httpx.get(f"{platform.url}/api/v1/account/", headers=_auth(key)).json()["credits"])


def _clear_of_the_reset(month: bool, margin_s: float = 120.0) -> None:
    """Waits past the next UTC midnight (or first of the month) when it is nearer than `margin_s`: a
    test that meters several requests must not see its allowance renewed half way (a fresh clone's run
    crossed 2026-12-01 00:00 between two requests of the free-minutes test)."""
    now = datetime.now(UTC)
    midnight = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    if month and midnight.day != 1:
        return
    wait = (midnight - now).total_seconds()
    if wait < margin_s:
        time.sleep(wait + 1)


def test_anonymous_callers_get_three_a_day(
    own_gateway: Callable[..., OwnGateway], speech: dict[str, Speech]
) -> None:
    platform = own_gateway()
    _clear_of_the_reset(month=False)
    assert _post(platform, speech["garden"], model="whisper-9000").status_code == 400  # failed: not counted
    for _ in range(3):
        assert _post(platform, speech["garden"]).status_code == 200
    refused = _post(platform, speech["garden"])
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 86_400
    assert "3 transcriptions a day" in refused.json()["error"]


def test_files_over_the_tier_limit_are_413(
    own_gateway: Callable[..., OwnGateway], speech: dict[str, Speech]
) -> None:
    platform = own_gateway(STT_GATEWAY_ANONYMOUS_MAX_BYTES="100000", STT_GATEWAY_FREE_MAX_BYTES="200000")
    clip = speech["weather"]  # about 250 kB of WAV
    assert clip.path.stat().st_size > 200_000
    anonymous = _post(platform, clip)
    assert anonymous.status_code == 413 and "the limit is 97.7 KB (100000 bytes)" in anonymous.json()["error"]
    assert _post(platform, clip, platform.signup("big@example.com")).status_code == 413
    paid = admin(
        platform, "create-account", "--email", "paid-big@example.com", "--plan", "paid", "--credits", "5"
    )
    assert _post(platform, clip, str(paid["api_key"])).status_code == 200


def test_free_minutes_run_out_with_402(
    own_gateway: Callable[..., OwnGateway], speech: dict[str, Speech]
) -> None:
    platform = own_gateway(STT_GATEWAY_FREE_MONTHLY_MINUTES="2")
    key = platform.signup("free@example.com")
    _clear_of_the_reset(month=True)
    assert _post(platform, speech["garden"], key).status_code == 200
    assert _post(platform, speech["weather"], key).status_code == 200
    answer = _post(platform, speech["garden"], key)
    assert answer.status_code == 402 and "free minutes used up" in answer.json()["error"]
    account = httpx.get(f"{platform.url}/api/v1/account/", headers=_auth(key)).json()
    assert account["minutes_remaining"] == 0


def test_paid_credits_are_charged_per_started_minute(
    own_gateway: Callable[..., OwnGateway], speech: dict[str, Speech], long_speech: Speech
) -> None:
    platform = own_gateway()
    created = admin(platform, "create-account", "--email", "payer@example.com", "--plan", "paid")
    key = str(created["api_key"])
    empty = _post(platform, speech["garden"], key)
    assert empty.status_code == 402 and "not enough credits" in empty.json()["error"]
    assert admin(platform, "grant", "--email", "payer@example.com", "--credits", "3")["credits"] == 3
    assert 60 < long_speech.duration < 120
    assert _post(platform, long_speech, key).status_code == 200
    assert _credits(platform, key) == 1  # 61 s to 120 s costs 2
    assert _post(platform, speech["garden"], key, model="whisper-9000").status_code == 400
    assert _credits(platform, key) == 1  # failed work costs nothing
    assert _post(platform, speech["garden"], key).status_code == 200
    assert _credits(platform, key) == 0
    assert _post(platform, speech["garden"], key).status_code == 402


def test_concurrency_beyond_the_tier_is_429(
    own_gateway: Callable[..., OwnGateway], long_speech: Speech
) -> None:
    platform = own_gateway(STT_GATEWAY_ANONYMOUS_DAILY_TRANSCRIPTIONS="10")

    async def both() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=platform.url, timeout=300) as client:
            data = long_speech.path.read_bytes()
            return list(
                await asyncio.gather(
                    *(
                        client.post(
                            "/v1/transcribe", files={"file": ("a.wav", data)}, data={"model": "tiny.en"}
                        )
                        for _ in range(2)
                    )
                )
            )

    statuses = sorted(r.status_code for r in asyncio.run(both()))
    assert statuses == [200, 429]


def test_twenty_at_once_on_an_account_that_affords_five(
    own_gateway: Callable[..., OwnGateway], speech: dict[str, Speech]
) -> None:
    platform = own_gateway(STT_GATEWAY_PAID_CONCURRENCY="20")
    created = admin(
        platform, "create-account", "--email", "rush@example.com", "--plan", "paid", "--credits", "5"
    )
    key = str(created["api_key"])

    async def rush() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=platform.url, timeout=300, headers=_auth(key)) as client:
            data = speech["garden"].path.read_bytes()
            return list(
                await asyncio.gather(
                    *(
                        client.post(
                            "/v1/transcribe", files={"file": ("a.wav", data)}, data={"model": "tiny.en"}
                        )
                        for _ in range(20)
                    )
                )
            )

    answers = asyncio.run(rush())
    assert sorted(a.status_code for a in answers) == [200] * 5 + [402] * 15
    assert _credits(platform, key) == 0
    listing = httpx.get(f"{platform.url}/api/v1/transcripts/", headers=_auth(key)).json()
    assert listing["count"] == 5
    usage = httpx.get(f"{platform.url}/api/v1/usage/", headers=_auth(key)).json()["usage"]
    assert usage[-1] == {"date": usage[-1]["date"], "transcriptions": 5, "minutes": 5}


def test_a_gateway_killed_mid_request_charges_nothing_and_leaks_no_slot(
    own_gateway: Callable[..., OwnGateway], long_speech: Speech, speech: dict[str, Speech]
) -> None:
    settings = {"STT_GATEWAY_STALE_HOLD_AFTER_S": "1", "STT_GATEWAY_LEASE_TTL_S": "2"}
    platform = own_gateway(**settings)
    created = admin(
        platform, "create-account", "--email", "crash@example.com", "--plan", "paid", "--credits", "2"
    )
    key = str(created["api_key"])
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{platform.url}/v1/transcribe",
            files={"file": ("a.wav", long_speech.path.read_bytes())},
            data={"model": "base"},
            headers=_auth(key),
            timeout=httpx.Timeout(30, read=1.0),
        )
    platform.gateway.kill()  # mid-transcription: the hold and the lease are left behind
    time.sleep(2.5)  # past the lease TTL and the stale-hold age
    platform.gateway.start()  # releases stale holds on start
    assert _credits(platform, key) == 2
    answers = [_post(platform, speech["garden"], key) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 402]


def test_redis_restarting_empty_loses_and_doubles_no_charge(
    own_gateway: Callable[..., OwnGateway], speech: dict[str, Speech]
) -> None:
    platform = own_gateway()
    created = admin(
        platform, "create-account", "--email", "redis@example.com", "--plan", "paid", "--credits", "3"
    )
    key = str(created["api_key"])
    assert _post(platform, speech["garden"], key).status_code == 200
    port = int(platform.redis_url.rsplit(":", 1)[1].split("/")[0])
    redis_client.Redis(port=port).shutdown(nosave=True)
    down = _post(platform, speech["garden"], key)
    assert down.status_code == 503 and down.headers["retry-after"]
    again, _ = start_redis(platform.data_dir / "again", port=port)  # same port, empty
    try:
        assert _credits(platform, key) == 2
        assert _post(platform, speech["garden"], key).status_code == 200
        assert _post(platform, speech["garden"], key).status_code == 200
        assert _post(platform, speech["garden"], key).status_code == 402
        assert _credits(platform, key) == 0
    finally:
        stop([again])


def test_a_plan_change_takes_effect_at_once(
    own_gateway: Callable[..., OwnGateway], speech: dict[str, Speech]
) -> None:
    platform = own_gateway()
    key = platform.signup("upgrade@example.com")
    assert _post(platform, speech["garden"], key).status_code == 200  # free minutes; the key is now cached
    assert admin(platform, "set-plan", "--email", "upgrade@example.com", "--plan", "paid")["account"] == {
        "id": 1,
        "email": "upgrade@example.com",
        "plan": "paid",
    }
    assert _post(platform, speech["garden"], key).status_code == 402  # paid, and no credits yet
    admin(platform, "grant", "--email", "upgrade@example.com", "--credits", "1")
    assert _post(platform, speech["garden"], key).status_code == 200
    keys = admin(platform, "keys", "--email", "upgrade@example.com")["keys"]
    admin(platform, "revoke-key", "--email", "upgrade@example.com", "--key-id", str(keys[0]["id"]))  # type: ignore[index]
    assert _post(platform, speech["garden"], key).status_code == 401
