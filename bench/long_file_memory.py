"""An hour of speech through the ASR service with diarization: the service's peak memory, against its
memory at rest, and the time taken.

The file is the LibriSpeech fixtures (or Piper sentences where they are absent) repeated with short
pauses to the length asked, alternating two voices, so the speaker encoder has real work.

Usage: python bench/long_file_memory.py [--minutes 60] [--service-env NAME=VALUE ...]
(writes bench/results/long_file_memory.json)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PeakMemory, long_speech, write_results
from gateway.clients.asr import AsrClient
from gateway.clients.service import CallLimits
from stt.v1 import asr_pb2
from testbed.platform import asr_process


async def _transcribe(address: str, path: Path) -> asr_pb2.Transcript:
    client = AsrClient(address, CallLimits(7200, 10, 5), chunk_bytes=1 << 20)
    try:
        config = asr_pb2.TranscribeConfig(diarize=True)
        return await client.transcribe(path, config, request_id="long-file-bench")
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument(
        "--service-env", nargs="*", default=[], metavar="NAME=VALUE", help="more environment for the service"
    )
    args = parser.parse_args()
    service_env = dict(pair.split("=", 1) for pair in args.service_env)
    with tempfile.TemporaryDirectory(prefix="stt-bench-") as tmp:
        folder = Path(tmp)
        speech = long_speech(folder, min_seconds=args.minutes * 60)
        service = asr_process(folder / "data", folder / "asr.log", STT_ASR_PRELOAD='["base"]', **service_env)
        service.start()
        try:
            assert service.process is not None
            with PeakMemory(service.process.pid, every_s=0.05) as memory:
                started = time.perf_counter()
                transcript = asyncio.run(_transcribe(service.address, speech.path))
                elapsed = time.perf_counter() - started
        finally:
            service.stop()
    write_results(
        "long_file_memory",
        {
            "audio_minutes": round(speech.duration / 60, 1),
            "service_env": service_env,
            "seconds": round(elapsed, 1),
            "real_time_factor": round(elapsed / speech.duration, 4),
            "speakers_found": len(transcript.speakers),
            "segments": len(transcript.segments),
            **memory.figures("asr"),
            "asr_rss_growth_mb_by_tenth_of_the_time": memory.growth_by_tenth(),
        },
    )


if __name__ == "__main__":
    main()
