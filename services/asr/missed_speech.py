"""Speech the decoder skipped. When Whisper ends a 30 s window's text early (its last timestamp is a
single one), the decoder assumes the rest of the window is silent and jumps past it: speech there,
often quieter or from another recording joined after a pause, is lost without a trace. Measured on
real audio: 20 s of a phone call after read speech came back as one sentence (bench/README.md). Gaps
between decoded segments are checked with the VAD, and those that hold speech are decoded again."""

from __future__ import annotations

from faster_whisper.vad import VadOptions, get_speech_timestamps

from services.common.media import SAMPLE_RATE, Samples

_PAD = SAMPLE_RATE // 5  # 0.2 s either side of the speech found, so no word is cut
# Speech that starts this close after a segment's end is that segment's last word (Whisper often ends a
# segment a little before its audio does), not speech that was skipped.
_TAIL = SAMPLE_RATE // 2


def missed_speech(
    audio: Samples,
    covered: list[tuple[float, float]],
    min_gap_s: float,
    min_speech_s: float,
    vad_min_silence_ms: int,
) -> list[tuple[int, int]]:
    """Sample ranges of `audio` after a decoded segment (`covered`: start and end seconds, in order)
    that no segment covers, longer than `min_gap_s`, holding at least `min_speech_s` of speech. Only
    gaps after decoded text are looked at: that is where the decoder skips; audio where it decoded
    nothing at all (music, noise) is not decoded twice."""
    if not covered:
        return []
    # (end of a segment, start of the next), ..., (end of the last, end of the audio)
    edges = [*(t for span in covered for t in span), len(audio) / SAMPLE_RATE][1:]
    found = []
    vad = VadOptions(min_silence_duration_ms=vad_min_silence_ms)
    for gap_start, gap_end in zip(edges[::2], edges[1::2], strict=True):
        if gap_end - gap_start < min_gap_s:
            continue
        first, last = int(gap_start * SAMPLE_RATE), int(gap_end * SAMPLE_RATE)
        speech = [s for s in get_speech_timestamps(audio[first:last], vad) if s["start"] >= _TAIL]
        if sum(s["end"] - s["start"] for s in speech) < min_speech_s * SAMPLE_RATE:
            continue
        start = max(first + speech[0]["start"] - _PAD, first)
        end = min(first + speech[-1]["end"] + _PAD, last)
        found.append((start, end))
    return found
