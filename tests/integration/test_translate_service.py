"""The translation service over real gRPC: both engines behind one interface (the tiny CTranslate2
model that the tests build, and Debian's Apertium), routing, batching, long text, language tokens, the
limits and the failures a caller can meet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from cli.processes import free_port, start_python
from stt.v1 import translate_pb2, translate_pb2_grpc
from testbed.platform import ServiceProcess, translate_process
from testbed.texts import STORY
from testbed.tiny_translator import require_apertium


@pytest.fixture(scope="module")
def stub(translate: ServiceProcess) -> Iterator[translate_pb2_grpc.TranslateStub]:
    with grpc.insecure_channel(translate.address) as channel:
        yield translate_pb2_grpc.TranslateStub(channel)


def _translate(
    stub: translate_pb2_grpc.TranslateStub, texts: list[str], source: str, target: str
) -> translate_pb2.TranslateResponse:
    request = translate_pb2.TranslateRequest(texts=texts, source=source, target=target)
    return stub.Translate(request, timeout=120, metadata=(("x-request-id", "test-translate"),))


def _refusal(
    stub: translate_pb2_grpc.TranslateStub, texts: list[str], source: str, target: str
) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        _translate(stub, texts, source, target)
    return caught.value


def test_the_mounted_model_is_listed_before_apertium(stub: translate_pb2_grpc.TranslateStub) -> None:
    require_apertium()
    routes = stub.ListLanguagePairs(translate_pb2.ListLanguagePairsRequest(), timeout=10).routes
    assert (routes[0].engine, routes[0].model) == ("ctranslate2", "tiny-madlad-shaped")
    assert list(routes[0].targets) == ["de", "en", "fr", "ja"]
    apertium = {(r.sources[0], r.targets[0]): r.model for r in routes[1:]}
    assert apertium[("en", "es")] == apertium[("es", "en")] == "apertium-eng-spa"
    assert {r.engine for r in routes[1:]} == {"apertium"}


def test_apertium_translates_english_into_spanish(stub: translate_pb2_grpc.TranslateStub) -> None:
    require_apertium()
    answer = _translate(stub, ["The cat is black.", "Hello. Goodbye.", "My house is big."], "EN", "es")
    assert list(answer.translations) == ["El gato es negro.", "Hola. Adiós.", "Mi casa es grande."]
    assert (answer.source, answer.target) == ("en", "es")
    assert (answer.engine, answer.model) == ("apertium", "apertium-eng-spa")


def test_apertium_keeps_line_breaks_and_odd_characters(stub: translate_pb2_grpc.TranslateStub) -> None:
    require_apertium()
    text = "The cat is black.\n\nThe dog [brown] costs $5 ^ 3 <b>.\r\n  My house."
    (translated,) = _translate(stub, [text], "en", "es").translations
    assert translated.count("\n") == text.count("\n")
    assert translated.startswith("El gato es negro.\n\n") and translated.endswith("\r\n  Mi casa.")
    assert "[" in translated and "$5" in translated and "<b>" in translated


def test_a_pair_goes_to_the_engine_that_serves_it(stub: translate_pb2_grpc.TranslateStub) -> None:
    to_german = _translate(stub, ["The fisherman walked to the harbor."], "en", "de")
    assert (to_german.engine, to_german.model) == ("ctranslate2", "tiny-madlad-shaped")
    assert to_german.translations[0].strip()


def test_the_target_token_steers_the_model(stub: translate_pb2_grpc.TranslateStub) -> None:
    texts = STORY[:6]
    german = _translate(stub, texts, "en", "de").translations
    french = _translate(stub, texts, "en", "fr").translations
    assert sum(g != f for g, f in zip(german, french, strict=True)) >= 5


def test_a_batch_translates_each_text_as_it_would_alone(stub: translate_pb2_grpc.TranslateStub) -> None:
    texts = STORY[:12]
    batched = list(_translate(stub, texts, "en", "de").translations)
    alone = [_translate(stub, [text], "en", "de").translations[0] for text in texts]
    assert batched == alone
    assert len(set(batched)) > 1


def test_a_long_text_is_translated_sentence_by_sentence(stub: translate_pb2_grpc.TranslateStub) -> None:
    (whole,) = _translate(stub, [" ".join(STORY)], "en", "fr").translations
    one_by_one = _translate(stub, STORY, "en", "fr").translations
    assert whole == " ".join(t.strip() for t in one_by_one)


@pytest.mark.parametrize(
    ("texts", "source", "target", "code", "says"),
    [
        ([], "en", "de", grpc.StatusCode.INVALID_ARGUMENT, "no texts"),
        (["fine", "  "], "en", "de", grpc.StatusCode.INVALID_ARGUMENT, "text 1 is empty"),
        (["x"], "en", "it", grpc.StatusCode.INVALID_ARGUMENT, "no engine here translates en->it; served:"),
        (["x"], "en", "english", grpc.StatusCode.INVALID_ARGUMENT, "not a language code"),
        (["x"], "de", "de", grpc.StatusCode.INVALID_ARGUMENT, "nothing to translate"),
        (["x"] * 1001, "en", "de", grpc.StatusCode.OUT_OF_RANGE, "at most 1000"),
        (["x" * 50_001], "en", "de", grpc.StatusCode.OUT_OF_RANGE, "at most 50000"),
        (["x" * 40_000] * 6, "en", "de", grpc.StatusCode.OUT_OF_RANGE, "at most 200000"),
    ],
)
def test_bad_requests_are_refused_with_their_status(
    stub: translate_pb2_grpc.TranslateStub, texts: list[str], source: str, target: str, code: grpc.StatusCode,
    says: str,
) -> None:  # fmt: skip
    error = _refusal(stub, texts, source, target)
    assert error.code() == code
    assert says in error.details()


def test_an_unsupported_pair_names_the_pairs_served(stub: translate_pb2_grpc.TranslateStub) -> None:
    require_apertium()
    details = _refusal(stub, ["x"], "en", "it").details()
    assert "en->es (apertium-eng-spa)" in details and "(tiny-madlad-shaped)" in details


def test_without_any_engine_every_translation_says_what_to_install(data_dir: Path, tmp_path: Path) -> None:
    service = translate_process(data_dir, tmp_path / "translate.log", STT_TRANSLATE_APERTIUM="false")
    service.start()
    try:
        with grpc.insecure_channel(service.address) as channel:
            stub = translate_pb2_grpc.TranslateStub(channel)
            assert not stub.ListLanguagePairs(translate_pb2.ListLanguagePairsRequest(), timeout=10).routes
            error = _refusal(stub, ["Hello."], "en", "es")
    finally:
        service.stop()
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "apt-get install apertium" in error.details() and "STT_TRANSLATE_MODEL_PATH" in error.details()


def test_a_model_folder_that_cannot_be_served_stops_the_service_at_start(
    data_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "empty-model").mkdir()
    log = tmp_path / "translate.log"
    env = {"STT_DATA_DIR": str(data_dir), "STT_TRANSLATE_MODEL_PATH": str(tmp_path / "empty-model")}
    process = start_python("services.translate", {**env, "STT_TRANSLATE_PORT": str(free_port())}, log)
    try:
        code = process.wait(timeout=120)
    finally:
        process.kill()
    assert code != 0
    assert "no CTranslate2 model at" in log.read_text()
