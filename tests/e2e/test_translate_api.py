"""Translation through the gateway with the real translation service: Apertium (en-es) and the tiny
CTranslate2 model (en, de, fr, ja) behind one service; single and batch shapes, the languages served,
errors, metering, and stored transcripts translated segment by segment and exported as subtitles."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from cli.processes import free_port
from testbed.platform import (
    GatewayProcess,
    StoredTranscript,
    new_account_key,
    platform_health,
    stored_transcript_id,
    translate_process,
)
from testbed.tiny_translator import require_apertium
from tests.conftest import Speech
from tests.e2e.conftest import OwnGateway

pytestmark = pytest.mark.e2e


def _translate(url: str, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{url}/v1/translate", json=body, headers=headers, timeout=120)


def test_one_text_into_spanish_names_the_engine(gateway: GatewayProcess) -> None:
    require_apertium()
    answer = _translate(gateway.url, {"text": "The cat is black.", "target": "es"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "translated_text": "El gato es negro.",
        "source_language": "en",
        "target_language": "es",
        "model": "apertium-eng-spa",
        "engine": "apertium",
    }


def test_a_batch_answers_one_translation_per_text_in_order(gateway: GatewayProcess) -> None:
    require_apertium()
    texts = ["Hello.", "My house is big.", "The cat is black.\n\nThe dog is white."]
    answer = _translate(gateway.url, {"texts": texts, "target": "ES", "source": "en-US"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["translations"] == [
        {"translated_text": "Hola."},
        {"translated_text": "Mi casa es grande."},
        {"translated_text": "El gato es negro.\n\nEl perro es blanco."},
    ]
    assert (body["source_language"], body["target_language"], body["engine"]) == ("en", "es", "apertium")


def test_a_pair_apertium_lacks_goes_to_the_mounted_model(gateway: GatewayProcess) -> None:
    answer = _translate(gateway.url, {"texts": ["Good morning.", "See you soon."], "target": "de"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["engine"], body["model"]) == ("ctranslate2", "tiny-madlad-shaped")
    assert len(body["translations"]) == 2 and all(t["translated_text"] for t in body["translations"])


def test_the_languages_list_every_route(gateway: GatewayProcess) -> None:
    require_apertium()
    answer = httpx.get(f"{gateway.url}/v1/translate/languages")
    assert answer.status_code == 200
    body = answer.json()
    first = body["routes"][0]
    assert (first["engine"], first["model"], first["targets"]) == (
        "ctranslate2", "tiny-madlad-shaped", ["de", "en", "fr", "ja"]
    )  # fmt: skip
    apertium = [(r["sources"], r["targets"]) for r in body["routes"] if r["engine"] == "apertium"]
    assert (["en"], ["es"]) in apertium and (["es"], ["en"]) in apertium
    assert body["pairs"] >= 12 + 4


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"target": "es"}, "send either `text`"),
        ({"text": "a", "texts": ["b"], "target": "es"}, "send either `text`"),
        ({"text": "Hello."}, "target"),
        ({"text": "   ", "target": "es"}, "the text is empty"),
        ({"texts": [], "target": "es"}, "no texts"),
        ({"texts": ["fine", ""], "target": "es"}, "text 1 is empty"),
        ({"text": "Hello.", "target": "espanol"}, "not a language code"),
        ({"text": "Hello.", "target": "en"}, "nothing to translate"),
        ({"text": "Hello.", "target": "it"}, "no engine here translates en->it; served:"),
    ],
)
def test_bad_input_is_400_with_a_reason(gateway: GatewayProcess, body: dict, message: str) -> None:  # type: ignore[type-arg]
    answer = _translate(gateway.url, body)
    assert answer.status_code == 400, answer.text
    assert message in answer.json()["error"]


def test_an_unsupported_pair_names_the_pairs_served(gateway: GatewayProcess) -> None:
    require_apertium()
    error = _translate(gateway.url, {"text": "Hello.", "target": "it"}).json()["error"]
    assert "en->es (apertium-eng-spa)" in error and "(tiny-madlad-shaped)" in error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"texts": ["x"] * 1001, "target": "de"}, "at most 1000"),
        ({"text": "word " * 10_001, "target": "de"}, "at most 50000"),
    ],
)
def test_too_much_text_is_413(gateway: GatewayProcess, body: dict, message: str) -> None:  # type: ignore[type-arg]
    answer = _translate(gateway.url, body)
    assert answer.status_code == 413
    assert message in answer.json()["error"]


def test_a_lone_surrogate_escape_is_400(gateway: GatewayProcess) -> None:
    escaped = b'{"texts": ["fine", "\\ud800 broken"], "target": "es"}'
    answer = httpx.post(
        f"{gateway.url}/v1/translate", content=escaped, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert "text 1 is not valid Unicode" in answer.json()["error"]


def test_health_reports_the_translation_engines(gateway: GatewayProcess) -> None:
    require_apertium()
    translate = platform_health(gateway.url)["services"]["translate"]
    assert translate["status"] == "serving"
    assert translate["engines"] == ["apertium", "ctranslate2"]


@pytest.fixture()
def engineless_translate(data_dir: Path, tmp_path: Path) -> Iterator[str]:
    service = translate_process(data_dir, tmp_path / "translate.log", STT_TRANSLATE_APERTIUM="false")
    service.start()
    yield service.address
    service.stop()


def test_no_engine_installed_is_503_saying_what_to_install(
    own_gateway: Callable[..., OwnGateway], engineless_translate: str
) -> None:
    platform = own_gateway(STT_GATEWAY_TRANSLATE_ADDRESS=engineless_translate)
    answer = _translate(platform.url, {"text": "Hello.", "target": "es"})
    assert answer.status_code == 503
    assert "apt-get install apertium" in answer.json()["error"]
    assert "retry-after" not in answer.headers  # waiting does not install anything
    health = platform_health(platform.url)
    assert health["status"] == "degraded"
    assert health["services"]["translate"]["status"] == "no_engine"


def test_the_translation_service_down_is_503_with_retry_after(own_gateway: Callable[..., OwnGateway]) -> None:
    platform = own_gateway(STT_GATEWAY_TRANSLATE_ADDRESS=f"127.0.0.1:{free_port()}")
    answer = _translate(platform.url, {"text": "Hello.", "target": "es"})
    assert answer.status_code == 503
    assert answer.headers["retry-after"].isdigit()
    assert "translation service is unavailable" in answer.json()["error"]
    assert platform_health(platform.url)["services"]["translate"]["status"] == "unreachable"


def test_translations_count_against_the_daily_text_requests(own_gateway: Callable[..., OwnGateway]) -> None:
    platform = own_gateway(STT_GATEWAY_ANONYMOUS_DAILY_TEXT_REQUESTS="1")
    assert _translate(platform.url, {"text": "Hello.", "target": "de"}).status_code == 200
    refused = _translate(platform.url, {"text": "Hello.", "target": "de"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"].isdigit()
    assert "text requests a day" in refused.json()["error"]


def _stored(platform_url: str, conversation: Speech) -> StoredTranscript:
    key = new_account_key(platform_url)
    return StoredTranscript(platform_url, key, stored_transcript_id(platform_url, key, conversation.path))


_CUE_TIMES = re.compile(r"\d\d:\d\d:\d\d[,.]\d\d\d --> \d\d:\d\d:\d\d[,.]\d\d\d")


def test_a_stored_transcript_is_translated_segment_by_segment_and_exported(
    own_gateway: Callable[..., OwnGateway], conversation: Speech
) -> None:
    require_apertium()
    # Two text requests a day: each translate call takes one (as every stored-transcript verb, cached
    # or not); exports of the kept translation take none.
    platform = own_gateway(STT_GATEWAY_FREE_DAILY_TEXT_REQUESTS="2")
    stored = _stored(platform.url, conversation)
    original = httpx.get(
        f"{platform.url}/api/v1/transcripts/{stored.transcript_id}/", headers=stored.headers
    ).json()

    first = stored.post("translate", {"target": "es"}, timeout_s=120)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["source_language"], body["target_language"], body["engine"]) == ("en", "es", "apertium")
    assert body["cached"] is False
    assert [(s["start"], s["end"], s["speaker"]) for s in body["segments"]] == [
        (s["start"], s["end"], s["speaker"]) for s in original["segments"]
    ]
    assert [s["id"] for s in body["segments"]] == list(range(len(original["segments"])))
    spanish = " ".join(s["text"] for s in body["segments"]).lower()
    assert "tomates" in spanish and "abuela" in spanish and "tomatoes" not in spanish

    again = stored.post("translate", {"target": "es"}, timeout_s=120)
    assert again.status_code == 200
    assert again.json()["cached"] is True and again.json()["segments"] == body["segments"]

    srt = stored.export("srt", lang="es")
    assert srt.status_code == 200, srt.text
    assert _CUE_TIMES.findall(srt.text) == _CUE_TIMES.findall(stored.export("srt").text)
    assert "tomates" in srt.text.lower()
    vtt = stored.export("vtt", lang="es")
    assert vtt.text.startswith("WEBVTT") and "tomates" in vtt.text.lower()
    as_json = stored.export("json", lang="es").json()
    assert as_json["language"] == "es" and "tomates" in as_json["text"].lower()
    assert all(not segment.get("words") for segment in as_json["segments"])
    assert "tomates" in stored.export("txt", lang="es").text.lower()

    # Catalan was never translated: exporting in it needs a text request, and the day's are spent.
    refused = stored.export("srt", lang="ca")
    assert refused.status_code == 429
    assert refused.headers["retry-after"].isdigit()


def test_stored_translation_errors(own_gateway: Callable[..., OwnGateway], conversation: Speech) -> None:
    platform = own_gateway()
    stored = _stored(platform.url, conversation)
    unsupported = stored.post("translate", {"target": "it"}, timeout_s=120)
    assert unsupported.status_code == 400 and "served:" in unsupported.json()["error"]
    assert stored.export("srt", lang="it").status_code == 400
    assert stored.post("translate", {}, timeout_s=120).status_code == 400
    stranger = StoredTranscript(
        platform.url, platform.signup(f"{uuid.uuid4().hex[:12]}@example.com"), stored.transcript_id
    )
    assert stranger.post("translate", {"target": "de"}, timeout_s=120).status_code == 404
    assert stranger.export("srt", lang="de").status_code == 404
