"""A job's webhook: the transcript's JSON POSTed to the caller's address, signed with the account's
webhook secret so the receiver can tell it came from us and was not replayed.

`X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body, keyed by the secret>`;
`X-Webhook-Event` is `transcript.completed` or `transcript.failed`; `X-Webhook-Id` names the delivery
(the same on every retry of it, so a receiver can drop repeats)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import httpcore

from gateway.jobs.outbound import AddressRefusedError, check_url

SECRET_PREFIX = "whsec_"
_MAX_WAIT_S = 600.0


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def retry_wait(attempt: int, first_wait_s: float) -> float:
    """The wait after failed attempt `attempt` (1, 2, ...): doubling, at most ten minutes."""
    return float(min(first_wait_s * 2 ** (attempt - 1), _MAX_WAIT_S))


@dataclass(frozen=True)
class Delivery:
    status_code: int | None
    error: str | None
    duration_ms: float

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def deliver(
    pool: httpcore.AsyncConnectionPool,
    url: str,
    event: str,
    delivery_id: str,
    body: bytes,
    secret: str,
    timeout_s: float,
) -> Delivery:
    """One attempt: any 2xx is delivered; another status, a refused address or a network failure is
    a failed attempt with its reason."""
    started = time.perf_counter()
    headers = [
        (b"Content-Type", b"application/json"),
        (b"User-Agent", b"speech-platform-webhooks/1"),
        (b"X-Webhook-Event", event.encode()),
        (b"X-Webhook-Id", delivery_id.encode()),
        (b"X-Webhook-Signature", signature(secret, int(time.time()), body).encode()),
    ]
    timeouts = {"connect": timeout_s, "read": timeout_s, "write": timeout_s, "pool": timeout_s}
    try:
        check_url(url)
        response = await pool.request(
            "POST", url, headers=headers, content=body, extensions={"timeout": timeouts}
        )
    except AddressRefusedError as exc:
        return Delivery(None, str(exc), (time.perf_counter() - started) * 1000)
    except httpcore.TimeoutException:
        return Delivery(None, f"no answer within {timeout_s:.0f} s", (time.perf_counter() - started) * 1000)
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
        return Delivery(None, f"{type(exc).__name__}: {exc}"[:500], (time.perf_counter() - started) * 1000)
    return Delivery(response.status, None, (time.perf_counter() - started) * 1000)
