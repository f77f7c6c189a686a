"""The speaker models' memory on a long recording, diarized in this process three times over: the
resident memory after each run, with CAM++ batches filled to a multiple of 8 pieces (what the service
does) against batches of any size (the baseline), each in a process of its own, in one invocation.

oneDNN keeps compiled kernels per input shape; the first run shows what a recording's shapes cost, the
next two whether anything still grows.

Usage: python bench/diarization_memory.py [--minutes 30]   (writes bench/results/diarization_memory.json)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

from bench.common import long_speech, write_results


def _measure(minutes: float, batch_step: int) -> dict[str, object]:
    """One process's figures (called in a child: a process's kernel cache is what is measured)."""
    from services.asr.diarization import embeddings
    from services.asr.diarization.clustering import SpeakerBounds
    from services.asr.diarization.pipeline import DiarizationOptions, Diarizer
    from services.common.media import decode

    embeddings._BATCH_STEP = batch_step
    with tempfile.TemporaryDirectory(prefix="stt-bench-") as tmp:
        audio = decode(long_speech(Path(tmp), min_seconds=minutes * 60).path)
    diarizer = Diarizer("cpu", DiarizationOptions())
    diarizer.load()
    me = psutil.Process()
    loaded_mb = me.memory_info().rss / 2**20
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        diarizer.diarize(audio, SpeakerBounds(1, 8))
        runs.append(
            {
                "rss_mb": round(me.memory_info().rss / 2**20),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    return {"batch_step": batch_step, "rss_loaded_mb": round(loaded_mb), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--child-batch-step", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_batch_step:
        print(json.dumps(_measure(args.minutes, args.child_batch_step)))
        return
    figures = []
    for step in (1, 8):
        command = [sys.executable, __file__, "--minutes", str(args.minutes), "--child-batch-step", str(step)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        figures.append(json.loads(out.strip().splitlines()[-1]))
    write_results("diarization_memory", {"audio_minutes": args.minutes, "processes": figures})


if __name__ == "__main__":
    main()
