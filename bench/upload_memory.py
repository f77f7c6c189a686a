"""The gateway's peak memory while a 1 GB file is uploaded, against its memory at rest (goal: under
150 MB more). The file is streamed from a generator, so the client holds none of it either; it is not
media, so after spooling and streaming it to the ASR service the answer is a 400, which is the point:
the whole path (spool to disk, stream over gRPC in chunks) runs, with no transcription to wait for.

Usage: python bench/upload_memory.py [--megabytes 1024]   (writes bench/results/upload_memory.json)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PeakMemory, running_platform, write_results

BOUNDARY = "benchboundary"


def multipart_body(megabytes: int) -> Iterator[bytes]:
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    block = bytes(range(256)) * 4096  # 1 MiB that is not a media file
    for _ in range(megabytes):
        yield block
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=1024)
    args = parser.parse_args()
    with running_platform(STT_ASR_PRELOAD='["tiny.en"]', STT_ASR_DEFAULT_MODEL="tiny.en") as platform:
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
