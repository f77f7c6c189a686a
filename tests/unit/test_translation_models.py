"""Language codes and how each family of CTranslate2 translators is told the languages."""

from __future__ import annotations

import pytest

from services.common.errors import InvalidRequestError
from services.translate.languages import normalized
from services.translate.model_families import M2M100, MADLAD, MARIAN, NLLB, detect_family
from services.translate.routes import Route
from services.translate.translator import describe


@pytest.mark.parametrize(
    ("code", "expected"),
    [("es", "es"), ("EN", "en"), ("pt-BR", "pt"), ("zh_Hant", "zh"), ("spa", "es"), ("ceb", "ceb")],
)
def test_codes_are_normalized_to_iso_639_1(code: str, expected: str) -> None:
    assert normalized(code, "target") == expected


@pytest.mark.parametrize("code", ["", "e", "english", "12", "es!"])
def test_a_code_that_is_no_language_code_is_refused(code: str) -> None:
    with pytest.raises(InvalidRequestError, match="not a language code"):
        normalized(code, "target")


def test_madlad_puts_the_target_token_before_the_source() -> None:
    languages = MADLAD.languages(["<unk>", "<2es>", "<2de>", "<2zh>", "▁hello"])
    assert languages == {"es": "<2es>", "de": "<2de>", "zh": "<2zh>"}
    assert MADLAD.source_tokens(["▁hello"], None, "<2es>") == ["<2es>", "▁hello", "</s>"]
    assert MADLAD.target_prefix("<2es>") is None


def test_nllb_names_the_source_and_forces_the_target_first() -> None:
    vocabulary = ["eng_Latn", "spa_Latn", "zho_Hans", "zho_Hant", "arb_Arab", "▁hi"]
    languages = NLLB.languages(vocabulary)
    assert languages == {"en": "eng_Latn", "es": "spa_Latn", "zh": "zho_Hans", "ar": "arb_Arab"}
    assert NLLB.source_tokens(["▁hi"], "eng_Latn", "spa_Latn") == ["eng_Latn", "▁hi", "</s>"]
    assert NLLB.target_prefix("spa_Latn") == ["spa_Latn"]


def test_m2m100_names_the_source_and_forces_the_target_first() -> None:
    assert M2M100.languages(["__en__", "__fr__", "▁x"]) == {"en": "__en__", "fr": "__fr__"}
    assert M2M100.source_tokens(["▁x"], "__en__", "__fr__") == ["__en__", "▁x", "</s>"]
    assert M2M100.target_prefix("__fr__") == ["__fr__"]


def test_a_marian_model_takes_its_target_token_where_it_has_several() -> None:
    assert MARIAN.source_tokens(["▁x"], None, ">>spa<<") == [">>spa<<", "▁x", "</s>"]
    assert MARIAN.source_tokens(["▁x"], None, None) == ["▁x", "</s>"]
    assert MARIAN.languages([">>spa<<", ">>por<<"]) == {"es": ">>spa<<", "pt": ">>por<<"}


def test_the_family_is_read_from_the_vocabulary() -> None:
    assert detect_family(["<2es>", "<2fr>"]) is MADLAD
    assert detect_family(["eng_Latn", "fra_Latn"]) is NLLB
    assert detect_family(["__en__", "__fr__"]) is M2M100
    assert detect_family(["▁the", "▁a"]) is MARIAN


def test_an_error_names_pairs_and_counts_long_language_lists() -> None:
    many = tuple(f"l{i:02d}"[:3] for i in range(40))
    routes = [
        Route("ctranslate2", "madlad400-3b-mt", many, many),
        Route("apertium", "apertium-eng-spa", ("en",), ("es",)),
    ]
    assert describe(routes) == (
        "from 40 languages into 40 languages (madlad400-3b-mt); en->es (apertium-eng-spa)"
    )
