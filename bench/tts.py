"""Speech synthesis with the built-in voice: real-time factor, time to first audio for a paragraph, and
the gateway against the engine called directly.

- Real-time factor: the service's runtime in this process (plan + every sentence) on the test story,
  seconds spent / seconds of speech.
- Time to first audio: a paragraph (the story, 16 sentences) through the gateway with `stream=true`,
  from the request to the first bytes of speech, against the whole answer.
- Sentences per second through the gateway (`POST /v1/tts`, one sentence a request, the whole WAV)
  against the runtime in this process on the same sentences, request by request alternating, medians of
  the repeats compared (goal: at least 0.95).

Usage: python bench/tts.py [--repeats 3] (writes bench/results/tts.json)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import gateway_against_direct, gateway_client_with, write_results
from services.tts.settings import TtsSettings
from services.tts.synthesizer import Synthesizer
from stt.v1 import tts_pb2
from testbed.platform import tts_process
from testbed.texts import STORY


def direct(synthesizer: Synthesizer, text: str, folder: Path) -> tuple[float, float]:
    """Seconds spent and seconds of speech for `text`, spoken by the runtime in this process."""
    started = time.perf_counter()
    plan = synthesizer.plan(tts_pb2.SynthesizeRequest(text=text), folder)
    samples = sum(len(synthesizer.speak(plan, sentence)) // 2 for sentence in plan.sentences)
    return time.perf_counter() - started, samples / plan.rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    paragraph = " ".join(STORY)
    with tempfile.TemporaryDirectory(prefix="stt-bench-") as tmp:
        folder = Path(tmp)
        synthesizer = Synthesizer(TtsSettings(data_dir=folder))
        synthesizer.load()
        direct(synthesizer, STORY[0], folder)  # warm
        spent, spoken = direct(synthesizer, paragraph, folder)
        results: dict[str, object] = {
            "cpu_count": os.cpu_count(),
            "paragraph_sentences": len(STORY),
            "paragraph_speech_s": round(spoken, 2),
            "real_time_factor": round(spent / spoken, 4),
        }
        service = tts_process(folder, folder / "tts.log")
        with gateway_client_with(service, "STT_GATEWAY_TTS_ADDRESS") as client:
            first_audio, whole = [], []
            for _ in range(args.repeats):
                started = time.perf_counter()
                with client.stream("POST", "/v1/tts", data={"text": paragraph, "stream": "true"}) as answer:
                    chunks = answer.iter_raw()
                    header = next(chunks)
                    first = header if len(header) > 44 else next(chunks)
                    first_audio.append(time.perf_counter() - started)
                    for _chunk in chunks:
                        pass
                    whole.append(time.perf_counter() - started)
                assert first
            results["time_to_first_audio_s"] = round(statistics.median(first_audio), 3)
            results["whole_paragraph_s"] = round(statistics.median(whole), 3)

            def via_gateway(sentence: str) -> float:
                started = time.perf_counter()
                client.post("/v1/tts", data={"text": sentence}).raise_for_status()
                return time.perf_counter() - started

            results |= gateway_against_direct(
                STORY,
                via_gateway,
                lambda sentence: direct(synthesizer, sentence, folder)[0],
                args.repeats,
                "sentences",
            )
    write_results("tts", results)


if __name__ == "__main__":
    main()
