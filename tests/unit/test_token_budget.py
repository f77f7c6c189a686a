"""How many tokens a window of audio may decode to (`services/asr/decoding.token_budget`): bounded by
the audio's length, and never more than the model has room for after its prompt."""

from __future__ import annotations

import pytest

from services.asr.decoding import token_budget


def test_short_audio_gets_twenty_tokens_a_second_and_a_margin() -> None:
    assert token_budget(1.0, prompted=False) == 36
    assert token_budget(0.3, prompted=False) == 22
    assert token_budget(20.0, prompted=False) == 416


def test_longer_audio_keeps_the_models_own_limit() -> None:
    assert token_budget(21.5, prompted=False) is None
    assert token_budget(30.0, prompted=False) is None
    assert token_budget(600.0, prompted=False) is None


@pytest.mark.parametrize("prompted", [False, True])
def test_the_budget_and_the_longest_prompt_fit_the_model(prompted: bool) -> None:
    """faster-whisper refuses a budget that with the prompt passes 448 tokens; its longest prompt is
    224 tokens of previous text and 3 start tokens."""
    prompt = 3 + (224 if prompted else 0)
    for tenths in range(0, 400):
        budget = token_budget(tenths / 10, prompted)
        assert budget is None or budget + prompt <= 448
    assert token_budget(10.0, prompted=True) == 216
    assert token_budget(11.0, prompted=True) is None
