"""Live streaming through the gateway (`WS /v1/stream`), with a real WebSocket client, in one run.

1. Latency and accuracy with real-time pacing, on LibriSpeech utterances (2-22 s) each led by a second
   of silence: from the onset of speech (Silero VAD on the clip) to the first partial (goal < 1.0 s on
   CPU with base), and from the last audio sent to the final message (goal < 1.5 s in the worst case),
   with the stream's default diarization on; and the WER of those streams against the WER of the same
   clips sent as files (`/v1/transcribe`, same weights; goal: streamed no worse).
2. Accuracy: the same long recording streamed (as fast as the socket takes it) and transcribed as a
   file through `/v1/transcribe`, both scored against the reference; goal: the streamed WER within 10%
   (relative) of the file's.
3. Streams one CPU core keeps up with: the ASR service pinned to one core (`cpu_threads=1`), N
   real-time streams at once; a stream keeps up when its final comes within 1.5 s of its audio's end
   and its partials arrive while it speaks.
4. Latency does not grow with the stream's length: one long real-time stream, the delay of each
   finalized segment after its end (in audio time, which is when it was sent) in the first and the
   last minutes.

Usage: python bench/streaming.py [--parts latency accuracy long one_core] [--long-minutes 5]
(writes bench/results/streaming.json)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

import httpx
import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Utterance, librispeech, long_speech, running_platform, write_results
from services.common.media import SAMPLE_RATE, decode
from testbed.streaming import BYTES_PER_SECOND, StreamRun, pcm16, stream, ws_url
from testbed.wer import word_error_rate

LEAD_S = 1.0


def _speech_onset_s(samples: np.ndarray) -> float:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    found = get_speech_timestamps(samples, VadOptions(speech_pad_ms=0, min_silence_duration_ms=100))
    return found[0]["start"] / SAMPLE_RATE if found else 0.0


async def latency(base_url: str, clips: list[Utterance]) -> dict[str, object]:
    url = ws_url(base_url, "language=en")
    first_partial, final, streamed, filed = [], [], [], []
    for clip in clips:
        samples = decode(clip.path)
        lead = np.zeros(int(LEAD_S * SAMPLE_RATE), dtype=np.float32)
        run = await stream(url, pcm16(np.concatenate([lead, samples])), dialect=2)
        assert run.final is not None
        onset = LEAD_S + _speech_onset_s(samples)
        first_partial.append(run.partials[0].at - onset)
        final.append(run.final_at - run.audio_sent_at)
        streamed.append(run.final["text"])
        filed.append(_file_text(base_url, clip.path))
    references = " ".join(c.text for c in clips)
    wer_streamed = word_error_rate(references, " ".join(streamed))
    wer_file = word_error_rate(references, " ".join(filed))
    return {
        "clips": len(clips),
        "first_partial_median_s": round(statistics.median(first_partial), 3),
        "first_partial_worst_s": round(max(first_partial), 3),
        "final_median_s": round(statistics.median(final), 3),
        "final_worst_s": round(max(final), 3),
        "final_by_clip_s": {f"{c.duration:.1f}": round(f, 2) for c, f in zip(clips, final, strict=True)},
        "wer_streamed": round(wer_streamed, 4),
        "wer_file": round(wer_file, 4),
    }


def _file_text(base_url: str, path: Path) -> str:
    with path.open("rb") as f, httpx.Client(base_url=base_url, timeout=900) as client:
        form = {"model": "base", "language": "en", "diarize": "false"}
        answer = client.post("/v1/transcribe", files={"file": (path.name, f)}, data=form)
    answer.raise_for_status()
    return str(answer.json()["text"])


async def accuracy(base_url: str, path: Path, reference: str) -> dict[str, float]:
    url = ws_url(base_url, "model=base&language=en")
    run = await stream(url, pcm16(decode(path)), dialect=2, realtime=False)
    assert run.final is not None
    streamed = word_error_rate(reference, run.final["text"])
    filed = word_error_rate(reference, _file_text(base_url, path))
    return {
        "audio_s": round(run.final["duration"], 1),
        "wer_streamed": round(streamed, 4),
        "wer_file": round(filed, 4),
        "streamed_over_file": round(streamed / filed, 3) if filed else float("nan"),
    }


def _kept_up(run: StreamRun) -> bool:
    return run.final is not None and run.final_at - run.audio_sent_at < 1.5 and bool(run.partials)


async def streams_per_core(url: str, pcm: bytes, most: int) -> dict[str, object]:
    tried: dict[str, object] = {}
    keeps_up = 0
    for n in range(1, most + 1):
        runs = await asyncio.gather(*(stream(url, pcm) for _ in range(n)))
        finals = [round(r.final_at - r.audio_sent_at, 2) if r.final else None for r in runs]
        tried[str(n)] = finals
        if not all(_kept_up(r) for r in runs):
            break
        keeps_up = n
    return {"streams_one_core_keeps_up_with": keeps_up, "final_latency_by_streams_s": tried}


async def long_stream(url: str, pcm: bytes) -> dict[str, float]:
    run = await stream(url, pcm)
    delays = [
        (r.message["end"], r.at - r.message["end"])
        for r in run.received
        if r.message.get("end") is not None and not r.message.get("final")
    ]
    minutes = len(pcm) / BYTES_PER_SECOND / 60
    first = [d for end, d in delays if end < 60]
    last = [d for end, d in delays if end > (minutes - 1) * 60]
    return {
        "minutes": round(minutes, 1),
        "segment_delay_first_minute_median_s": round(statistics.median(first), 3),
        "segment_delay_last_minute_median_s": round(statistics.median(last), 3),
        "last_over_first": round(statistics.median(last) / statistics.median(first), 3),
        "final_after_audio_s": round(run.final_at - run.audio_sent_at, 3),
    }


def _pin_to_one_core(pid: int) -> None:
    """Every thread of the process on CPU 0; threads it starts later inherit that."""
    for thread in psutil.Process(pid).threads():
        os.sched_setaffinity(thread.id, {0})


PARTS = ("latency", "accuracy", "long", "one_core")


async def main(parts: list[str], long_minutes: float, most_streams: int) -> None:
    utterances = librispeech()
    if not utterances:
        sys.exit("the LibriSpeech fixtures are missing (../shared/fixtures/librispeech)")
    results: dict[str, object] = {"cpu_count": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp, running_platform() as platform:
        url = ws_url(platform.gateway.url)
        long = long_speech(Path(tmp), min_seconds=180)
        if "latency" in parts:
            results["latency"] = await latency(platform.gateway.url, utterances[:12])
            print(results["latency"], flush=True)
        if "accuracy" in parts:
            results["accuracy"] = await accuracy(platform.gateway.url, long.path, long.text)
            print(results["accuracy"], flush=True)
        if "long" in parts:
            samples = decode(long.path)
            repeats = int(long_minutes * 60 * SAMPLE_RATE / len(samples)) + 1
            longest = np.tile(samples, repeats)[: int(long_minutes * 60 * SAMPLE_RATE)]
            results["long_stream"] = await long_stream(url, pcm16(longest))
            print(results["long_stream"], flush=True)
    if "one_core" in parts:
        one_core = {"STT_ASR_CPU_THREADS": "1", "STT_ASR_STREAM_WORKERS": "1"}
        with running_platform(asr_settings=one_core) as platform:
            assert platform.asr.process is not None
            _pin_to_one_core(platform.asr.process.pid)
            clip = np.concatenate([decode(u.path) for u in utterances[:6]])
            one_core_url = ws_url(platform.gateway.url)
            results["one_core"] = await streams_per_core(one_core_url, pcm16(clip), most_streams)
            print(results["one_core"], flush=True)
    write_results("streaming", results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--long-minutes", type=float, default=5.0)
    parser.add_argument("--most-streams", type=int, default=4)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.parts, arguments.long_minutes, arguments.most_streams))
