"""chrF of English->Spanish through the gateway with the CPU default engine (Apertium), against
reference translations written for this project (bench/data/en_es_sentences.tsv, 40 sentences of
meetings and everyday speech). chrF (sacrebleu's, character 6-grams, beta 2) on 0-100. The English
sentences themselves are scored too, untranslated: the floor any translator must clear.

Usage: python bench/translation_quality.py (writes bench/results/translation_quality.json)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_results
from cli.processes import start_redis, stop
from testbed.platform import LIFTED_ANONYMOUS_LIMITS, gateway_process, translate_process

SENTENCES = Path(__file__).resolve().parent / "data" / "en_es_sentences.tsv"


def pairs() -> list[tuple[str, str]]:
    rows = [
        line.split("\t") for line in SENTENCES.read_text().splitlines() if line and not line.startswith("#")
    ]
    return [(english, spanish) for english, spanish in rows]


def main() -> None:
    from sacrebleu.metrics import CHRF

    english, references = zip(*pairs(), strict=True)
    with tempfile.TemporaryDirectory(prefix="stt-bench-") as tmp:
        data_dir = Path(tmp)
        redis, redis_url = start_redis(data_dir)
        service = translate_process(data_dir, data_dir / "translate.log")
        service.start()
        gateway = gateway_process(
            data_dir, data_dir / "gateway.log", "127.0.0.1:1", redis_url,
            STT_GATEWAY_TRANSLATE_ADDRESS=service.address, **LIFTED_ANONYMOUS_LIMITS,
        )  # fmt: skip
        gateway.start()
        try:
            answer = httpx.post(
                f"{gateway.url}/v1/translate", json={"texts": list(english), "target": "es"}, timeout=300
            )
            answer.raise_for_status()
        finally:
            gateway.stop()
            service.stop()
            stop([redis])
    body = answer.json()
    hypotheses = [t["translated_text"] for t in body["translations"]]
    chrf = CHRF()
    write_results(
        "translation_quality",
        {
            "pair": "en->es",
            "sentences": len(english),
            "engine": body["engine"],
            "model": body["model"],
            "chrf": round(chrf.corpus_score(hypotheses, [list(references)]).score, 1),
            "chrf_of_the_untranslated_english": round(
                chrf.corpus_score(list(english), [list(references)]).score, 1
            ),
            "examples": [
                {"english": e, "reference": r, "translation": h}
                for e, r, h in list(zip(english, references, hypotheses, strict=True))[:5]
            ],
        },
    )


if __name__ == "__main__":
    main()
