"""Asynchronous jobs with real processes: `POST /api/v1/transcripts/` answers 202 and the work runs in
the background with progress; a job fetched from a URL; webhooks signed, retried and recorded; private
addresses refused; a cancelled job costs nothing; and a job whose gateway is SIGKILLed completes on
another gateway, charged once."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli.processes import start_redis, stop
from testbed.databases import fresh_postgres
from testbed.platform import AsrProcess, GatewayProcess, gateway_process, paid_account_key
from testbed.wer import word_error_rate
from tests.conftest import Speech

pytestmark = pytest.mark.e2e

LOOPBACK_ALLOWED = {"STT_GATEWAY_FETCH_ALLOWED_NETWORKS": '["127.0.0.0/8"]'}
FAST_WEBHOOK_RETRIES = {"STT_GATEWAY_WEBHOOK_FIRST_RETRY_S": "0.5"}


@pytest.fixture()
def start_gateway(asr: AsrProcess, tmp_path: Path) -> Iterator[Callable[..., GatewayProcess]]:
    """Gateways in front of the session's ASR service, sharing one Redis and one data folder (and so
    one job folder), each with settings of its own."""
    redis, redis_url = start_redis(tmp_path)
    started: list[GatewayProcess] = []

    def start(**settings: str) -> GatewayProcess:
        number = len(started)
        gateway = gateway_process(
            tmp_path, tmp_path / f"gateway{number}.log", asr.address, redis_url, **settings
        )
        gateway.start()
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.stop()
    stop([redis])


def _key(gateway: GatewayProcess, email: str) -> dict[str, str]:
    answer = httpx.post(f"{gateway.url}/api/v1/signup/", json={"email": email})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['api_key']}"}


def _submit(gateway: GatewayProcess, headers: dict[str, str], clip: Speech, **fields: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{gateway.url}/api/v1/transcripts/",
        files={"file": (clip.path.name, clip.path.read_bytes())},
        data=fields,
        headers=headers,
        timeout=120,
    )
    assert answer.status_code == 202, answer.text
    assert answer.headers["location"] == f"/api/v1/transcripts/{answer.json()['id']}/"
    return dict(answer.json())


def _wait(
    gateway: GatewayProcess,
    headers: dict[str, str],
    transcript_id: str,
    until: set[str],
    limit_s: float = 600,
) -> dict[str, Any]:
    """The transcript once its status is one of `until` (progress seen on the way is kept)."""
    deadline = time.monotonic() + limit_s
    seen: list[float] = []
    while time.monotonic() < deadline:
        answer = httpx.get(f"{gateway.url}/api/v1/transcripts/{transcript_id}/", headers=headers, timeout=30)
        assert answer.status_code == 200, answer.text
        body = dict(answer.json())
        if body["progress"] is not None:
            seen.append(body["progress"])
        if body["status"] in until:
            body["progress_seen"] = seen
            return body
        time.sleep(0.2)
    raise AssertionError(f"the job did not reach {until} in {limit_s} s")


class _Receiver(BaseHTTPRequestHandler):
    """A webhook receiver: answers each POST with the next status of `statuses` (200 once they run
    out) and keeps what it got."""

    statuses: list[int]
    received: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        status = self.statuses.pop(0) if self.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # serves the media of URL jobs (404 under /missing)
        if self.path.startswith("/missing"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        media = Path(self.server.media)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Content-Length", str(media.stat().st_size))
        self.end_headers()
        self.wfile.write(media.read_bytes())

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def receiver(speech: dict[str, Speech]) -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"statuses": [], "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.media = str(speech["garden"].path)  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()


def _signature_is_ours(secret: str, headers: dict[str, str], body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in headers["x-webhook-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 600


def test_a_job_is_queued_at_once_and_completes_with_progress(
    start_gateway: Callable[..., GatewayProcess], long_speech: Speech
) -> None:
    gateway = start_gateway()
    headers = _key(gateway, "jobs@example.com")
    queued = _submit(gateway, headers, long_speech, model="tiny.en", diarize="false")
    assert queued["status"] == "queued" and queued["progress"] == 0.0
    done = _wait(gateway, headers, queued["id"], {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
    assert done["progress"] == 1.0
    assert word_error_rate(long_speech.text, done["text"]) < 0.25
    assert any(0.0 < p < 1.0 for p in done["progress_seen"]), done["progress_seen"]
    listed = httpx.get(f"{gateway.url}/api/v1/transcripts/?status=completed", headers=headers).json()
    assert [t["id"] for t in listed["results"]] == [queued["id"]]


def test_jobs_need_a_key_and_refuse_bad_input(
    start_gateway: Callable[..., GatewayProcess], speech: dict[str, Speech]
) -> None:
    gateway = start_gateway()
    clip = speech["garden"]
    anonymous = httpx.post(
        f"{gateway.url}/api/v1/transcripts/", files={"file": ("a.wav", clip.path.read_bytes())}
    )
    assert anonymous.status_code == 401
    headers = _key(gateway, "bad@example.com")
    jobs = f"{gateway.url}/api/v1/transcripts/"
    empty = httpx.post(jobs, files={"file": ("a.wav", b"")}, headers=headers)
    assert empty.status_code == 400 and "empty" in empty.json()["error"]
    for url, reason in (
        ("ftp://example.com/a.wav", "only http and https"),
        ("http://127.0.0.1:9/a.wav", "loopback"),
        ("http://10.1.2.3/a.wav", "private"),
        ("http://169.254.169.254/latest/meta-data", "private"),
        ("http://[::1]/a.wav", "loopback"),
        ("not a url", "only http and https"),
    ):
        refused = httpx.post(jobs, json={"url": url}, headers=headers)
        assert refused.status_code == 400, (url, refused.text)
        assert reason in refused.json()["error"], (url, refused.json())
    no_secret = httpx.post(jobs, json={"url": "http://93.184.215.14/a.wav", "webhook_url": "https://93.184.215.14/h"},
                           headers=headers)  # fmt: skip
    assert no_secret.status_code == 400 and "webhook secret" in no_secret.json()["error"]
    secret = httpx.post(f"{gateway.url}/api/v1/webhook-secret/", headers=headers)
    assert secret.status_code == 201 and secret.json()["secret"].startswith("whsec_")
    private_hook = httpx.post(
        jobs, files={"file": ("a.wav", clip.path.read_bytes())}, data={"webhook_url": "http://192.168.1.5/h"},
        headers=headers,
    )  # fmt: skip
    assert private_hook.status_code == 400 and "webhook_url" in private_hook.json()["error"]
    assert httpx.get(jobs, headers=headers).json()["count"] == 0  # nothing refused was stored


def test_a_url_job_is_fetched_and_its_webhook_signed_retried_and_recorded(
    start_gateway: Callable[..., GatewayProcess],
    receiver: tuple[str, type[_Receiver]],
    speech: dict[str, Speech],
) -> None:
    gateway = start_gateway(**LOOPBACK_ALLOWED, **FAST_WEBHOOK_RETRIES)
    headers = _key(gateway, "hooks@example.com")
    secret = httpx.post(f"{gateway.url}/api/v1/webhook-secret/", headers=headers).json()["secret"]
    address, handler = receiver
    handler.statuses = [500, 503]  # two failures, then delivered
    queued = httpx.post(
        f"{gateway.url}/api/v1/transcripts/",
        json={"url": f"{address}/media/garden.wav", "webhook_url": f"{address}/hook", "model": "tiny.en"},
        headers=headers,
    )
    assert queued.status_code == 202, queued.text
    transcript_id = queued.json()["id"]
    done = _wait(gateway, headers, transcript_id, {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
    assert done["filename"] == "garden.wav"
    assert word_error_rate(speech["garden"].text, done["text"]) < 0.25
    deadline = time.monotonic() + 120
    while len(handler.received) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(handler.received) == 3
    for sent_headers, body in handler.received:
        assert sent_headers["x-webhook-event"] == "transcript.completed"
        assert _signature_is_ours(secret, sent_headers, body)
        assert json.loads(body)["id"] == transcript_id and json.loads(body)["text"] == done["text"]
    forged = dict(handler.received[0][0])
    assert not _signature_is_ours("whsec_someone-else", forged, handler.received[0][1])
    attempts = httpx.get(
        f"{gateway.url}/api/v1/transcripts/{transcript_id}/webhooks/", headers=headers
    ).json()
    assert [a["status_code"] for a in attempts["results"]] == [500, 503, 200]
    assert [a["attempt"] for a in attempts["results"]] == [1, 2, 3]


def test_a_failed_job_tells_its_webhook_and_costs_nothing(
    start_gateway: Callable[..., GatewayProcess], receiver: tuple[str, type[_Receiver]]
) -> None:
    gateway = start_gateway(**LOOPBACK_ALLOWED)
    headers = _key(gateway, "fails@example.com")
    httpx.post(f"{gateway.url}/api/v1/webhook-secret/", headers=headers)
    before = httpx.get(f"{gateway.url}/api/v1/account/", headers=headers).json()
    address, handler = receiver
    queued = httpx.post(
        f"{gateway.url}/api/v1/transcripts/",
        json={"url": f"{address}/missing/a.wav", "webhook_url": f"{address}/hook"},
        headers=headers,
    )
    assert queued.status_code == 202, queued.text
    failed = _wait(gateway, headers, queued.json()["id"], {"completed", "failed"})
    assert failed["status"] == "failed" and "404" in failed["error"]
    deadline = time.monotonic() + 60
    while not handler.received and time.monotonic() < deadline:
        time.sleep(0.2)
    assert handler.received[0][0]["x-webhook-event"] == "transcript.failed"
    assert json.loads(handler.received[0][1])["error"] == failed["error"]
    after = httpx.get(f"{gateway.url}/api/v1/account/", headers=headers).json()
    assert after == before


def test_a_queued_job_cancelled_costs_nothing(
    start_gateway: Callable[..., GatewayProcess], long_speech: Speech
) -> None:
    gateway = start_gateway(STT_GATEWAY_JOB_WORKERS="0")  # runs no jobs: this one stays queued
    headers = _key(gateway, "queued@example.com")
    before = httpx.get(f"{gateway.url}/api/v1/account/", headers=headers).json()
    queued = _submit(gateway, headers, long_speech)
    held = httpx.get(f"{gateway.url}/api/v1/account/", headers=headers).json()
    assert held["minutes_remaining"] < before["minutes_remaining"]  # the job's price is held
    assert (
        httpx.delete(f"{gateway.url}/api/v1/transcripts/{queued['id']}/", headers=headers).status_code == 204
    )
    after = httpx.get(f"{gateway.url}/api/v1/account/", headers=headers).json()
    assert after == before
    assert not (Path(gateway.env["STT_DATA_DIR"]) / "jobs" / queued["id"]).exists()


def test_a_running_job_cancelled_costs_nothing(
    start_gateway: Callable[..., GatewayProcess], long_speech: Speech
) -> None:
    gateway = start_gateway(STT_GATEWAY_JOB_LEASE_S="3")
    headers = _key(gateway, "cancel@example.com")
    before = httpx.get(f"{gateway.url}/api/v1/account/", headers=headers).json()
    queued = _submit(gateway, headers, long_speech)
    running = _wait(gateway, headers, queued["id"], {"processing", "completed"})
    assert running["status"] == "processing"
    cancelled = httpx.delete(f"{gateway.url}/api/v1/transcripts/{queued['id']}/", headers=headers)
    assert cancelled.status_code == 204
    gone = httpx.get(f"{gateway.url}/api/v1/transcripts/{queued['id']}/", headers=headers)
    assert gone.status_code == 404
    deadline = time.monotonic() + 60
    while "stopped" not in gateway.log() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert f"job {queued['id']}: its lease was lost or it was cancelled; stopped" in gateway.log()
    after = httpx.get(f"{gateway.url}/api/v1/account/", headers=headers).json()
    assert after == before


def test_a_job_survives_a_gateway_killed_mid_work(
    start_gateway: Callable[..., GatewayProcess], long_speech: Speech
) -> None:
    database = fresh_postgres("stt_jobs")
    if database is None:
        pytest.skip("no PostgreSQL answers here (CI runs one)")
    shared = {"STT_DATABASE_URL": database.replace("postgresql://", "postgresql+asyncpg://"),
              "STT_GATEWAY_JOB_LEASE_S": "3"}  # fmt: skip
    first = start_gateway(**shared)
    key = paid_account_key(
        "kill@example.com",
        50,
        STT_DATABASE_URL=shared["STT_DATABASE_URL"],
        STT_GATEWAY_REDIS_URL=first.env["STT_GATEWAY_REDIS_URL"],
    )
    headers = {"Authorization": f"Bearer {key}"}
    queued = _submit(first, headers, long_speech)
    running = _wait(first, headers, queued["id"], {"processing", "completed"})
    assert running["status"] == "processing"
    first.kill()  # SIGKILL: no goodbye, the lease lapses
    second = start_gateway(**shared)
    done = _wait(second, headers, queued["id"], {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
    assert word_error_rate(long_speech.text, done["text"]) < 0.25
    minutes = -(-long_speech.duration // 60)
    account = httpx.get(f"{second.url}/api/v1/account/", headers=headers).json()
    assert account["credits"] == 50 - minutes, account  # charged once, the dead gateway's hold reused


def test_a_webhook_that_keeps_failing_is_given_up_after_its_time(
    start_gateway: Callable[..., GatewayProcess],
    receiver: tuple[str, type[_Receiver]],
    speech: dict[str, Speech],
    tmp_path: Path,
) -> None:
    # Waits of 0.5, 1, 2 s against 3 s to retry: about three attempts (fewer when the machine is slow
    # to wake the runner), then the next would start past the time, so it is given up.
    gateway = start_gateway(**LOOPBACK_ALLOWED, **FAST_WEBHOOK_RETRIES, STT_GATEWAY_WEBHOOK_RETRY_FOR_S="3")
    headers = _key(gateway, "gives-up@example.com")
    httpx.post(f"{gateway.url}/api/v1/webhook-secret/", headers=headers)
    address, handler = receiver
    handler.statuses = [500] * 100
    queued = _submit(gateway, headers, speech["garden"], model="tiny.en", webhook_url=f"{address}/hook")
    _wait(gateway, headers, queued["id"], {"completed", "failed"})
    # A job leaves the queue once its webhook is told or given up; until then it would be tried again.
    with sqlite3.connect(tmp_path / "stt.db") as store:
        deadline = time.monotonic() + 120
        while store.execute("SELECT count(*) FROM transcription_jobs").fetchone()[0]:
            assert time.monotonic() < deadline, "the webhook was never given up"
            time.sleep(0.2)
    tried = len(handler.received)
    assert 2 <= tried <= 3, tried
    time.sleep(2)
    assert len(handler.received) == tried  # given up: no attempt comes later
    attempts = httpx.get(f"{gateway.url}/api/v1/transcripts/{queued['id']}/webhooks/", headers=headers).json()
    assert [a["status_code"] for a in attempts["results"]] == [500] * tried
