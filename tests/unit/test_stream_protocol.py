"""The client messages of `/v1/stream` and the close codes."""

from __future__ import annotations

import pytest

from gateway.streaming.protocol import (
    ClientMessageError,
    Stop,
    StreamConfig,
    close_code,
    parse_flag,
    parse_text,
)


def test_a_config_message_and_the_stop_action() -> None:
    assert parse_text('{"language": "en", "model": "large-v3-turbo"}') == StreamConfig("large-v3-turbo", "en")
    assert parse_text('{"language": ""}') == StreamConfig("", "auto")
    assert parse_text('{"action": "stop"}') == Stop()
    assert parse_text('{"diarize": false}') == StreamConfig(diarize=False)
    assert parse_text("{}").diarize is None  # not said: the query string's, else on


@pytest.mark.parametrize(
    ("value", "flag"), [("true", True), ("0", False), ("NO", False), ("", None), (None, None)]
)
def test_query_string_flags(value: str | None, flag: bool | None) -> None:
    assert parse_flag(value) is flag


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ("hello", "must be JSON"),
        ("[1, 2]", "JSON objects"),
        ('{"action": "pause"}', "unknown action 'pause'"),
        ('{"model": 7}', "must be strings"),
        ('{"model": "' + "m" * 500 + '"}', "too long"),
        ('{"diarize": "yes"}', "'diarize' must be true or false"),
    ],
)
def test_messages_a_stream_cannot_use(frame: str, message: str) -> None:
    with pytest.raises(ClientMessageError, match=message):
        parse_text(frame)


def test_close_codes_follow_the_http_status() -> None:
    assert [close_code(s) for s in (400, 401, 402, 408, 413, 429, 503)] == [
        4400, 4401, 4402, 4408, 4413, 4429, 4503,
    ]  # fmt: skip
    assert close_code(200) == 4500
