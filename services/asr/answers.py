"""The engine's results as the protos the ASR service answers with, and the metrics a finished transcript
feeds."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from services.asr.results import SegmentResult, TranscriptResult
from services.common.messages import filled
from stt.v1 import asr_pb2

AUDIO_SECONDS = Counter("stt_asr_audio_seconds_total", "Seconds of audio transcribed", ["model"])
REAL_TIME_FACTOR = Histogram(
    "stt_asr_real_time_factor",
    "Processing time divided by audio duration",
    ["model"],
    buckets=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5),
)


def segment_proto(s: SegmentResult) -> asr_pb2.Segment:
    return filled(asr_pb2.Segment, s, words=[filled(asr_pb2.Word, w) for w in s.words])


def count_transcribed(result: TranscriptResult) -> None:
    """Counts a finished transcript's audio and real-time factor."""
    AUDIO_SECONDS.labels(result.model).inc(result.duration)
    if result.duration > 0:
        REAL_TIME_FACTOR.labels(result.model).observe(result.processing_seconds / result.duration)


def transcript_proto(result: TranscriptResult) -> asr_pb2.Transcript:
    return filled(
        asr_pb2.Transcript,
        result,
        segments=[segment_proto(s) for s in result.segments],
        speaker_turns=[filled(asr_pb2.SpeakerTurn, t) for t in result.speaker_turns],
    )
