"""The gateway's peak memory while a 1 GB file is uploaded, against its memory at rest (goal: under
150 MB more). The file is a WAV of silence (48 kHz stereo, about 1.5 hours per GiB) streamed from a
generator, so the client holds none of it either. The whole path runs: spooled to disk while counted,
probed for its duration, streamed to the ASR service in 1 MB gRPC chunks, decoded and found empty.

Usage: python bench/upload_memory.py [--megabytes 1024]   (writes bench/results/upload_memory.json)
"""

from __future__ import annotations

import argparse
import struct
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PeakMemory, running_platform, write_results

BOUNDARY = "benchboundary"


def _wav_header(data_bytes: int, rate: int = 48_000, channels: int = 2) -> bytes:
    block_align = channels * 2
    return (
        b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block_align, block_align, 16)
        + b"data" + struct.pack("<I", data_bytes)
    )  # fmt: skip


def multipart_body(megabytes: int) -> Iterator[bytes]:
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    yield _wav_header(megabytes * 2**20)
    block = bytes(2**20)  # 1 MiB of silence
    for _ in range(megabytes):
        yield block
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=1024)
    args = parser.parse_args()
    tiny = {"STT_ASR_PRELOAD": '["tiny.en"]', "STT_ASR_DEFAULT_MODEL": "tiny.en"}
    with running_platform(asr_settings=tiny) as platform:
        assert platform.gateway.process is not None
        url = f"{platform.gateway.url}/v1/transcribe"
        # At rest: after a first small request, so imports and pools are warm.
        httpx.post(url, files={"file": ("x.bin", b"not media")}, timeout=60)
        time.sleep(0.5)
        with PeakMemory(platform.gateway.process.pid) as memory:
            started = time.perf_counter()
            answer = httpx.post(
                url,
                content=multipart_body(args.megabytes),
                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                timeout=1200,
            )
            elapsed = time.perf_counter() - started
    results = {
        "upload_mb": args.megabytes,
        "status": answer.status_code,
        "seconds": round(elapsed, 1),
        **memory.figures("gateway"),
    }
    write_results("upload_memory", results)


if __name__ == "__main__":
    main()
