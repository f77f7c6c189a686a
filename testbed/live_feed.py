"""A `LiveStream` fed in this process the way the ASR servicer feeds a real-time stream: a quarter second
of audio, then a step, and more steps while the stream says it has work; at the end, steps until the
final transcript. For tests and benchmarks that want the stream's own behaviour without gRPC."""

from __future__ import annotations

import threading

from services.asr.live_stream import LiveStream, StepResult
from services.asr.results import TranscriptResult
from testbed.streaming import BYTES_PER_SECOND

QUARTER_SECOND_BYTES = BYTES_PER_SECOND // 4


def fed(live: LiveStream, pcm: bytes) -> list[StepResult]:
    """Every step's result while `pcm` arrives."""
    cancelled, results = threading.Event(), []
    for offset in range(0, len(pcm), QUARTER_SECOND_BYTES):
        live.append(pcm[offset : offset + QUARTER_SECOND_BYTES])
        results.append(live.step(False, cancelled))
        while results[-1].more:
            results.append(live.step(False, cancelled))
    return results


def ended(live: LiveStream) -> tuple[list[StepResult], TranscriptResult]:
    """The steps of the stream's end (their finalized segments) and its final transcript."""
    cancelled, results = threading.Event(), []
    while (result := live.step(True, cancelled)).transcript is None:
        results.append(result)
    return [*results, result], result.transcript
