"""`filled`: one record copied into another kind by field name."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gateway.schemas.transcribe_form import TranscribeForm
from services.asr.answers import transcript_proto
from services.asr.diarization.pipeline import DiarizationOptions
from services.asr.results import (
    SegmentResult,
    SpeakerTurnResult,
    TranscribeOptions,
    TranscriptResult,
    WordResult,
)
from services.asr.settings import AsrSettings
from services.common.messages import filled
from stt.v1 import asr_pb2


def test_a_proto_gets_every_field_it_shares_and_what_is_given_wins() -> None:
    word = WordResult(word=" hi", start=0.5, end=0.9, probability=0.75, speaker="SPEAKER_1")
    assert filled(asr_pb2.Word, word) == asr_pb2.Word(
        word=" hi", start=0.5, end=0.9, probability=0.75, speaker="SPEAKER_1"
    )
    assert filled(asr_pb2.Word, word, speaker="SPEAKER_2").speaker == "SPEAKER_2"


def test_a_form_becomes_the_config_and_the_config_the_engine_options() -> None:
    form = TranscribeForm(
        model="base", language="fr", speakers=0, min_speakers=2, max_speakers=3, enhance=True
    )
    config = form.config("talk.mp3")
    assert (config.model, config.language, config.diarize, config.filename) == (
        "base",
        "fr",
        True,
        "talk.mp3",
    )
    assert (config.min_speakers, config.max_speakers, config.task) == (2, 3, "")
    options = filled(TranscribeOptions, config, task=config.task or "transcribe")
    assert options == TranscribeOptions(
        model="base", language="fr", diarize=True, min_speakers=2, max_speakers=3, task="transcribe"
    )


def test_a_transcript_keeps_its_segments_words_and_turns() -> None:
    segment = SegmentResult(
        id=3, start=1.0, end=2.5, text=" Hello there.", confidence=0.9, avg_logprob=-0.2, no_speech_prob=0.01,
        compression_ratio=1.1, words=[WordResult(" Hello", 1.0, 1.4, 0.95, "SPEAKER_1")], speaker="SPEAKER_1",
    )  # fmt: skip
    result = TranscriptResult(
        text="Hello there.", language="en", language_probability=0.99, duration=3.0, segments=[segment],
        model="base", requested_model="whisper-1", processing_seconds=0.4, speakers=["SPEAKER_1"],
        speaker_turns=[SpeakerTurnResult(0.9, 2.6, "SPEAKER_1")],
    )  # fmt: skip
    proto = transcript_proto(result)
    assert (proto.text, proto.model, proto.requested_model, list(proto.speakers)) == (
        "Hello there.", "base", "whisper-1", ["SPEAKER_1"]
    )  # fmt: skip
    assert proto.processing_seconds == pytest.approx(0.4)
    (out,) = proto.segments
    assert (out.id, out.text, out.speaker, out.words[0].word) == (3, " Hello there.", "SPEAKER_1", " Hello")
    assert out.compression_ratio == pytest.approx(1.1)
    assert (proto.speaker_turns[0].start, proto.speaker_turns[0].speaker) == (0.9, "SPEAKER_1")


def test_methods_are_never_taken_for_fields_and_an_unknown_kind_is_refused() -> None:
    @dataclass
    class Asked:
        model: str

        def filename(self) -> str:  # a method named like a field of the config
            return "not a field"

    assert filled(asr_pb2.TranscribeConfig, Asked("tiny")) == asr_pb2.TranscribeConfig(model="tiny")
    with pytest.raises(TypeError, match="not a proto message"):
        filled(asr_pb2.TranscribeConfig, object())


def test_settings_under_a_prefix_become_an_engines_options() -> None:
    settings = AsrSettings(
        diarization_step_s=3.0, diarization_speech_pad_s=0.25, diarization_max_clustered_units=90
    )
    options = filled(
        DiarizationOptions,
        settings,
        source_prefix="diarization_",
        max_clustered=settings.diarization_max_clustered_units,
    )
    assert (options.step_s, options.speech_pad_s, options.max_clustered) == (3.0, 0.25, 90)
    assert options.piece_s == settings.diarization_piece_s
