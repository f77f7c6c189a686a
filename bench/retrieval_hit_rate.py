"""Retrieval hit rate of chat on real transcripts: real speech (the 12 LibriSpeech test-other
utterances of the shared fixtures, then the real two-speaker phone call that the pyannote.audio wheel
ships) is transcribed by the platform (base), and questions whose answer was said in one known stretch
are asked through `POST /api/v1/transcripts/{id}/chat/`: a hit is a source segment at least half of
which lies in that stretch. In the same run, the same segments ranked by word overlap with the question (a
keyword baseline) and by their own embeddings alone, without the neighbours chat adds, for context.

Usage: python bench/retrieval_hit_rate.py   (writes bench/results/retrieval_hit_rate.json)
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import librispeech, write_results
from cli.processes import start_redis, stop
from services.common.media import SAMPLE_RATE, decode
from testbed.media import write_wav
from testbed.platform import (
    LIFTED_ANONYMOUS_LIMITS,
    asr_process,
    embed_process,
    gateway_process,
    llm_engine,
    llm_process,
)

# question -> where its answer was said: a LibriSpeech utterance, or a stretch of the phone call (its
# speaker timeline, `sample.stm`, in seconds from the call's start)
QUESTIONS: dict[str, str | tuple[float, float]] = {
    "Who was not a perfect creature?": "3331-159605-0008",
    "What tempted Polly that week?": "3331-159605-0008",
    "What attracted Polly to him?": "3331-159605-0009",
    "Who has a good influence over her?": "3331-159605-0007",
    "What would she enjoy doing for everyone at home?": "3331-159605-0005",
    "Whose heart and eyes are full of disgust?": "2414-128291-0007",
    "What affliction could he not be rid of?": "2414-128291-0006",
    "Who calls herself spiteful?": "3331-159605-0004",
    "How should I begin?": "3331-159605-0006",
    "Where is Diane calling from?": (12.542, 14.184),
    "Where does Sheila live now?": (14.444, 17.769),
    "What do people down there call Sheila?": (24.058, 28.425),
    "What did Diane hear before anyone spoke?": (10.78, 12.54),
    "Which city are both of them originally from?": (14.444, 20.113),
}
_COMMON = {"the", "a", "of", "to", "and", "is", "what", "who", "did", "do", "how", "where", "which"}


def recording(folder: Path) -> tuple[Path, dict[str, tuple[float, float]], float]:
    """The real speech in one file, where each LibriSpeech utterance lies in it, and where the call
    starts."""
    spec = importlib.util.find_spec("pyannote.audio")  # found, not imported: only its sample is used
    assert spec is not None and spec.submodule_search_locations, "pyannote.audio is not installed"
    sample = Path(next(iter(spec.submodule_search_locations))) / "sample" / "sample.wav"
    pieces: list[np.ndarray] = []
    spans = {}
    for utterance in librispeech():
        start = sum(len(p) for p in pieces) / SAMPLE_RATE
        audio = decode(utterance.path)
        spans[utterance.path.stem] = (start, start + len(audio) / SAMPLE_RATE)
        pieces += [audio, np.zeros(SAMPLE_RATE, dtype=np.float32)]
    call_start = sum(len(p) for p in pieces) / SAMPLE_RATE
    pieces.append(decode(sample))
    return write_wav(np.concatenate(pieces), SAMPLE_RATE, folder / "real_speech.wav"), spans, call_start


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower())) - _COMMON


def embed(client: httpx.Client, texts: list[str]) -> np.ndarray:
    """Unit vectors from `POST /v1/embed`: each text embedded alone, without its neighbours."""
    answer = client.post("/v1/embed", json={"texts": texts})
    answer.raise_for_status()
    vectors = np.asarray(answer.json()["embeddings"])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)  # type: ignore[no-any-return]


def ask_all(
    client: httpx.Client, transcript_id: str, spans: dict[str, tuple[float, float]], call_start: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    segments = client.get(f"/api/v1/transcripts/{transcript_id}/").json()["segments"]
    vectors = embed(client, [s["text"] for s in segments])
    rows = []
    for question, where in QUESTIONS.items():
        start, end = (
            spans[where] if isinstance(where, str) else (call_start + where[0], call_start + where[1])
        )

        def said_there(segment: dict[str, Any], start: float = start, end: float = end) -> bool:
            """At least half of the segment lies in the stretch where the answer was said."""
            inside = min(segment["end"], end) - max(segment["start"], start)
            return bool(inside >= 0.5 * max(segment["end"] - segment["start"], 0.01))

        answer = client.post(f"/api/v1/transcripts/{transcript_id}/chat/", json={"question": question})
        answer.raise_for_status()
        sources = [{**s, "start": s["start_time"], "end": s["end_time"]} for s in answer.json()["sources"]]
        keyword = sorted(segments, key=lambda s: -len(words(s["text"]) & words(question)))[: len(sources)]
        alone = [segments[i] for i in np.argsort(-(vectors @ embed(client, [question])[0]))[: len(sources)]]
        rows.append({
            "question": question, "top_source": sources[0]["text"],
            "hit_at_1": said_there(sources[0]), "hit_at_5": any(map(said_there, sources)),
            "alone_hit_at_1": said_there(alone[0]), "alone_hit_at_5": any(map(said_there, alone)),
            "keyword_hit_at_1": said_there(keyword[0]), "keyword_hit_at_5": any(map(said_there, keyword)),
        })  # fmt: skip
    return rows, segments


def main() -> None:
    if not librispeech():
        raise SystemExit("the LibriSpeech fixtures are not beside the project (../shared/fixtures)")
    with tempfile.TemporaryDirectory(prefix="stt-bench-") as tmp:
        data_dir = Path(tmp)
        redis, redis_url = start_redis(data_dir)
        engine, engine_url = llm_engine(data_dir / "engine.log")
        llm = llm_process(data_dir, data_dir / "llm.log", engine_url)
        asr = asr_process(data_dir, data_dir / "asr.log")
        embed = embed_process(data_dir, data_dir / "embed.log")
        for service in (asr, embed, llm):
            service.start()
        gateway = gateway_process(
            data_dir, data_dir / "gateway.log", asr.address, redis_url,
            STT_GATEWAY_EMBED_ADDRESS=embed.address, STT_GATEWAY_LLM_ADDRESS=llm.address,
            **LIFTED_ANONYMOUS_LIMITS,
        )  # fmt: skip
        gateway.start()
        try:
            with httpx.Client(base_url=gateway.url, timeout=300) as client:
                email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
                key = client.post("/api/v1/signup/", json={"email": email}).json()["api_key"]
                client.headers["Authorization"] = f"Bearer {key}"
                path, spans, call_start = recording(data_dir)
                done = client.post(
                    "/v1/transcribe",
                    files={"file": (path.name, path.read_bytes())},
                    data={"model": "base", "language": "en", "diarize": "false"},
                )
                done.raise_for_status()
                rows, segments = ask_all(client, done.json()["id"], spans, call_start)
        finally:
            gateway.stop()
            for service in (llm, embed, asr):
                service.stop()
            stop([engine, redis])
    count = len(rows)
    write_results(
        "retrieval_hit_rate",
        {
            "cpu_count": os.cpu_count(),
            "segments": len(segments),
            "questions": count,
            **{
                figure: round(sum(r[figure] for r in rows) / count, 3)
                for figure in (
                    "hit_at_1",
                    "hit_at_5",
                    "alone_hit_at_1",
                    "alone_hit_at_5",
                    "keyword_hit_at_1",
                    "keyword_hit_at_5",
                )
            },
            "rows": rows,
            "segments_text": [f"{s['start']:.1f}-{s['end']:.1f} {s['text']}" for s in segments],
        },
    )


if __name__ == "__main__":
    main()
