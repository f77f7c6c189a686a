"""The JSON shapes of a transcript: `json` (the public API's shape, plus the model that ran) and
`verbose_json` (the same with the decoder's per-segment and per-word detail)."""

from __future__ import annotations

from typing import Any

from stt.v1 import asr_pb2


def _word(word: asr_pb2.Word, verbose: bool) -> dict[str, Any]:
    shaped: dict[str, Any] = {"word": word.word, "start": word.start, "end": word.end}
    if word.speaker:
        shaped["speaker"] = word.speaker
    if verbose:
        shaped["probability"] = round(word.probability, 4)
    return shaped


def segment_json(segment: asr_pb2.Segment, verbose: bool = False) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "start": segment.start,
        "end": segment.end,
        "text": segment.text,
        "speaker": segment.speaker or None,
        "confidence": round(segment.confidence, 4),
        "words": [_word(w, verbose) for w in segment.words],
    }
    if verbose:
        shaped = {"id": segment.id, **shaped}
        shaped["avg_logprob"] = round(segment.avg_logprob, 4)
        shaped["no_speech_prob"] = round(segment.no_speech_prob, 4)
        shaped["compression_ratio"] = round(segment.compression_ratio, 4)
    return shaped


def transcript_json(transcript: asr_pb2.Transcript, *, verbose: bool = False) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "text": transcript.text,
        "language": transcript.language or None,
        "duration": round(transcript.duration, 3),
        "segments": [segment_json(s, verbose) for s in transcript.segments],
        "speakers": list(transcript.speakers),
        "model": transcript.model,
    }
    if transcript.speaker_turns:  # diarized: who spoke when, even where no word was recognised
        shaped["speaker_turns"] = [
            {"start": round(t.start, 3), "end": round(t.end, 3), "speaker": t.speaker}
            for t in transcript.speaker_turns
        ]
    if verbose:
        shaped = {"task": "transcribe", **shaped}
        shaped["requested_model"] = transcript.requested_model
        shaped["language_probability"] = round(transcript.language_probability, 4)
        shaped["processing_time"] = round(transcript.processing_seconds, 3)
    return shaped
