"""The account API through HTTP: sign-up, keys, the account, stored transcripts and their exports, and
the walls between accounts."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import httpx
import pytest
from docx import Document
from pypdf import PdfReader

from testbed.wer import word_error_rate
from tests.conftest import Speech
from tests.e2e.conftest import OwnGateway

pytestmark = pytest.mark.e2e


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _transcribe(platform: OwnGateway, key: str | None, clip: Speech, **fields: str) -> httpx.Response:
    return httpx.post(
        f"{platform.url}/v1/transcribe",
        files={"file": (clip.path.name, clip.path.read_bytes())},
        data={"model": "tiny.en", **fields},
        headers=_auth(key) if key else {},
        timeout=300,
    )


@pytest.fixture()
def platform(own_gateway: Callable[..., OwnGateway]) -> OwnGateway:
    return own_gateway()


def test_signup_answers_a_working_key_once(platform: OwnGateway) -> None:
    answer = httpx.post(f"{platform.url}/api/v1/signup/", json={"email": "new@example.com"})
    assert answer.status_code == 201
    body = answer.json()
    assert body["api_key"].startswith("stt_") and body["account"]["plan"] == "free"
    account = httpx.get(f"{platform.url}/api/v1/account/", headers=_auth(body["api_key"])).json()
    assert account["email"] == "new@example.com"
    assert account["minutes_remaining"] == 600 and account["credits"] == 0
    keys = httpx.get(f"{platform.url}/api/v1/keys/", headers=_auth(body["api_key"])).text
    assert body["api_key"] not in keys


@pytest.mark.parametrize(
    ("payload", "status"),
    [({"email": "not-an-email"}, 400), ({}, 400), ({"email": "a@example.com", "admin": True}, 400)],
)
def test_signup_refuses_bad_input(platform: OwnGateway, payload: dict[str, object], status: int) -> None:
    answer = httpx.post(f"{platform.url}/api/v1/signup/", json=payload)
    assert answer.status_code == status and "error" in answer.json()


def test_signup_twice_with_one_email_is_409(platform: OwnGateway) -> None:
    platform.signup("twice@example.com")
    answer = httpx.post(f"{platform.url}/api/v1/signup/", json={"email": "Twice@Example.com"})
    assert answer.status_code == 409


def test_signup_is_rate_limited_per_ip(own_gateway: Callable[..., OwnGateway]) -> None:
    platform = own_gateway(STT_GATEWAY_SIGNUP_PER_HOUR="2")
    platform.signup("one@example.com")
    platform.signup("two@example.com")
    answer = httpx.post(f"{platform.url}/api/v1/signup/", json={"email": "three@example.com"})
    assert answer.status_code == 429 and int(answer.headers["retry-after"]) > 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer stt_unknown"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
    ],
)
def test_account_api_needs_a_valid_key(platform: OwnGateway, headers: dict[str, str]) -> None:
    for path in (
        "/api/v1/account/",
        "/api/v1/transcripts/",
        "/api/v1/keys/",
        "/api/v1/usage/",
        "/api/v1/cloud/",
    ):
        answer = httpx.get(f"{platform.url}{path}", headers=headers)
        assert answer.status_code == 401, (path, answer.text)
        assert "error" in answer.json()


def test_unknown_key_on_transcribe_is_401_not_anonymous(
    platform: OwnGateway, speech: dict[str, Speech]
) -> None:
    answer = _transcribe(platform, "stt_not-a-key", speech["garden"])
    assert answer.status_code == 401


def test_preferences_are_saved_and_validated(platform: OwnGateway) -> None:
    key = platform.signup("prefs@example.com")
    answer = httpx.put(
        f"{platform.url}/api/v1/account/",
        json={"email_preferences": {"usage_alerts": False}},
        headers=_auth(key),
    )
    assert answer.status_code == 200 and answer.json()["email_preferences"] == {"usage_alerts": False}
    bad = httpx.put(f"{platform.url}/api/v1/account/", json={"email_preferences": "yes"}, headers=_auth(key))
    assert bad.status_code == 400
    assert httpx.put(f"{platform.url}/api/v1/account/", content=b"{", headers=_auth(key)).status_code == 400


def test_keys_are_created_listed_and_revoked_at_once(platform: OwnGateway, speech: dict[str, Speech]) -> None:
    first = platform.signup("keys@example.com")
    created = httpx.post(f"{platform.url}/api/v1/keys/", json={"name": "ci"}, headers=_auth(first))
    assert created.status_code == 201
    second, second_id = created.json()["api_key"], created.json()["key"]["id"]
    listed = httpx.get(f"{platform.url}/api/v1/keys/", headers=_auth(second)).json()["keys"]
    assert {k["name"] for k in listed} == {"default", "ci"}
    assert all("api_key" not in k and first not in str(k) for k in listed)

    assert httpx.delete(f"{platform.url}/api/v1/keys/{second_id}/", headers=_auth(first)).status_code == 204
    assert httpx.get(f"{platform.url}/api/v1/account/", headers=_auth(second)).status_code == 401
    assert _transcribe(platform, second, speech["garden"]).status_code == 401
    other = platform.signup("other-keys@example.com")
    other_key_id = httpx.get(f"{platform.url}/api/v1/keys/", headers=_auth(other)).json()["keys"][0]["id"]
    assert (
        httpx.delete(f"{platform.url}/api/v1/keys/{other_key_id}/", headers=_auth(first)).status_code == 404
    )
    for bad_id in ("0", str(2**40), "abc"):
        assert httpx.delete(f"{platform.url}/api/v1/keys/{bad_id}/", headers=_auth(first)).status_code == 400


def test_transcriptions_with_a_key_are_stored_and_exported(
    platform: OwnGateway, speech: dict[str, Speech]
) -> None:
    key = platform.signup("store@example.com")
    clip = speech["meeting"]
    answer = _transcribe(platform, key, clip)
    assert answer.status_code == 200
    transcript_id = answer.json()["id"]
    assert answer.headers["x-transcript-id"] == transcript_id

    listing = httpx.get(f"{platform.url}/api/v1/transcripts/", headers=_auth(key)).json()
    assert listing["count"] == 1 and listing["results"][0]["status"] == "completed"
    detail = httpx.get(f"{platform.url}/api/v1/transcripts/{transcript_id}/", headers=_auth(key)).json()
    assert word_error_rate(clip.text, detail["text"]) < 0.2
    assert detail["segments"][0]["words"][0]["start"] >= 0
    assert detail["speaker_turns"] == answer.json()["speaker_turns"]  # the timeline is stored too
    assert detail["speaker_turns"][0]["speaker"] == "Speaker 1"

    def export(fmt: str) -> httpx.Response:
        got = httpx.get(
            f"{platform.url}/api/v1/transcripts/{transcript_id}/export/{fmt}/", headers=_auth(key)
        )
        assert got.status_code == 200, (fmt, got.text)
        return got

    assert "maria" in export("txt").text.lower()
    assert re.search(r"00:00:0\d,\d{3} --> ", export("srt").text)
    assert export("vtt").text.startswith("WEBVTT")
    assert export("json").json()["id"] == transcript_id
    rows = list(csv.DictReader(io.StringIO(export("csv").text)))
    assert rows and "maria" in " ".join(r["text"] for r in rows).lower()
    document = Document(io.BytesIO(export("docx").content))
    assert "maria" in "\n".join(p.text for p in document.paragraphs).lower()
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(export("pdf").content)).pages)
    assert "maria" in pdf_text.lower() and "0:00:00" in pdf_text
    bad = httpx.get(f"{platform.url}/api/v1/transcripts/{transcript_id}/export/mp3/", headers=_auth(key))
    assert bad.status_code == 400

    assert (
        httpx.delete(f"{platform.url}/api/v1/transcripts/{transcript_id}/", headers=_auth(key)).status_code
        == 204
    )
    assert (
        httpx.get(f"{platform.url}/api/v1/transcripts/{transcript_id}/", headers=_auth(key)).status_code
        == 404
    )


def test_another_accounts_transcript_is_404_for_every_verb(
    platform: OwnGateway, speech: dict[str, Speech]
) -> None:
    owner, stranger = platform.signup("owner@example.com"), platform.signup("stranger@example.com")
    transcript_id = _transcribe(platform, owner, speech["garden"]).json()["id"]
    base = f"{platform.url}/api/v1/transcripts/{transcript_id}"
    for method, path in [("GET", "/"), ("DELETE", "/"), ("GET", "/export/txt/"), ("GET", "/export/pdf/")]:
        answer = httpx.request(method, base + path, headers=_auth(stranger))
        assert answer.status_code == 404, (method, path)
        assert answer.json() == {"error": "no such transcript"}
    assert httpx.get(f"{platform.url}/api/v1/transcripts/", headers=_auth(stranger)).json()["count"] == 0
    assert httpx.get(base + "/", headers=_auth(owner)).status_code == 200


def test_listing_filters_and_pages(platform: OwnGateway, speech: dict[str, Speech]) -> None:
    key = platform.signup("pages@example.com")
    for clip in ("garden", "weather"):
        assert _transcribe(platform, key, speech[clip]).status_code == 200
    assert _transcribe(platform, key, speech["garden"], model="whisper-9000").status_code == 400
    base = f"{platform.url}/api/v1/transcripts/"
    page = httpx.get(base, params={"limit": 1, "offset": 1}, headers=_auth(key)).json()
    assert page["count"] == 3 and len(page["results"]) == 1
    failed = httpx.get(base, params={"status": "failed"}, headers=_auth(key)).json()
    assert failed["count"] == 1 and "not installed" in failed["results"][0]["error"]
    assert httpx.get(base, params={"language": "en"}, headers=_auth(key)).json()["count"] == 2
    later = httpx.get(base, params={"created_after": "2999-01-01T00:00:00Z"}, headers=_auth(key)).json()
    assert later["count"] == 0
    for bad in (
        {"limit": 0},
        {"limit": 1000},
        {"offset": -1},
        {"offset": 2**40},
        {"status": "done"},
        {"created_after": "yesterday"},
        {"created_before": "0001-01-01T00:00:00+14:00"},
    ):
        assert httpx.get(base, params=bad, headers=_auth(key)).status_code == 400, bad


def test_usage_has_a_row_for_each_of_30_days(platform: OwnGateway, speech: dict[str, Speech]) -> None:
    key = platform.signup("usage@example.com")
    _transcribe(platform, key, speech["garden"])
    rows = httpx.get(f"{platform.url}/api/v1/usage/", headers=_auth(key)).json()["usage"]
    assert len(rows) == 30
    assert rows[-1]["transcriptions"] == 1 and rows[-1]["minutes"] == 1
    assert httpx.get(f"{platform.url}/api/v1/cloud/", headers=_auth(key)).json() == {"instances": []}


def test_guessing_keys_is_rate_limited_per_ip(own_gateway: Callable[..., OwnGateway]) -> None:
    platform = own_gateway(STT_GATEWAY_FAILED_AUTH_PER_MINUTE="5")
    real = platform.signup("victim@example.com")
    for attempt in range(5):
        answer = httpx.get(f"{platform.url}/api/v1/account/", headers=_auth(f"stt_guess{attempt}"))
        assert answer.status_code == 401
    blocked = httpx.get(f"{platform.url}/api/v1/account/", headers=_auth("stt_guess-again"))
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    # The block is per IP: from there, even a real key waits it out unless its lookup is already cached.
    assert httpx.get(f"{platform.url}/api/v1/account/", headers=_auth(real)).status_code == 429


def test_keys_never_reach_the_logs(platform: OwnGateway, speech: dict[str, Speech]) -> None:
    key = platform.signup("quiet@example.com")
    _transcribe(platform, key, speech["garden"])
    httpx.get(f"{platform.url}/api/v1/account/", headers=_auth(key))
    httpx.get(f"{platform.url}/api/v1/account/", headers=_auth(key + "x"))
    log = platform.gateway.log()
    assert "POST /v1/transcribe 200" in log
    assert key not in log and key[4:20] not in log
