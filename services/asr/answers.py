"""The engine's results as the protos the ASR service answers with, and the metrics a finished transcript
feeds."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from services.asr.results import SegmentResult, TranscriptResult
from stt.v1 import asr_pb2

AUDIO_SECONDS = Counter("stt_asr_audio_seconds_total", "Seconds of audio transcribed", ["model"])
REAL_TIME_FACTOR = Histogram(
    "stt_asr_real_time_factor",
    "Processing time divided by audio duration",
    ["model"],
    buckets=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5),
)


def segment_proto(s: SegmentResult) -> asr_pb2.Segment:
    return asr_pb2.Segment(
        id=s.id,
        start=s.start,
        end=s.end,
        text=s.text,
        confidence=s.confidence,
        avg_logprob=s.avg_logprob,
        no_speech_prob=s.no_speech_prob,
        compression_ratio=s.compression_ratio,
        speaker=s.speaker,
        words=[
            asr_pb2.Word(word=w.word, start=w.start, end=w.end, probability=w.probability, speaker=w.speaker)
            for w in s.words
        ],
    )


def count_transcribed(result: TranscriptResult) -> None:
    """Counts a finished transcript's audio and real-time factor."""
    AUDIO_SECONDS.labels(result.model).inc(result.duration)
    if result.duration > 0:
        REAL_TIME_FACTOR.labels(result.model).observe(result.processing_seconds / result.duration)


def transcript_proto(result: TranscriptResult) -> asr_pb2.Transcript:
    return asr_pb2.Transcript(
        text=result.text,
        language=result.language,
        language_probability=result.language_probability,
        duration=result.duration,
        model=result.model,
        requested_model=result.requested_model,
        processing_seconds=result.processing_seconds,
        speakers=result.speakers,
        segments=[segment_proto(s) for s in result.segments],
        speaker_turns=[
            asr_pb2.SpeakerTurn(start=t.start, end=t.end, speaker=t.speaker) for t in result.speaker_turns
        ],
    )
