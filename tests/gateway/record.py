"""Records what the real ASR, LLM and embedding services answer, for the fast tier's servicers
(`recorded.py`). Run it again when a proto or an answer's shape changes:

    .venv/bin/python -m tests.gateway.record

It starts the real services (the LLM with its llama.cpp engine), transcribes a two-voice conversation,
and asks for everything the fast tests ask for."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from cli.processes import stop
from gateway.clients.asr import AsrClient
from gateway.clients.embed import EmbedClient
from gateway.clients.llm import LlmClient
from gateway.clients.service import CallLimits
from stt.v1 import asr_pb2, embed_pb2
from testbed.platform import asr_process, embed_process, llm_engine, llm_process
from testbed.voices import conversation
from tests.gateway.recorded import save
from tests.gateway.texts import CHAT_QUESTION, CONVERSATION_LINES, RECORDED_ANALYSES, RECORDED_GENERATED


def _windows(texts: list[str]) -> list[str]:
    """Each segment with its neighbours, as chat retrieval embeds them."""
    return [" ".join(texts[max(i - 1, 0) : i + 2]) for i in range(len(texts))]


async def _record(asr: str, llm: str, embed: str, audio: Path) -> None:
    limits = CallLimits(timeout_s=600, info_timeout_s=30, retry_after_s=5)
    asr_client = AsrClient(asr, limits, chunk_bytes=1 << 20)
    llm_client = LlmClient(llm, limits)
    embed_client = EmbedClient(embed, limits)
    config = asr_pb2.TranscribeConfig(language="en", diarize=True)
    transcript = await asr_client.transcribe(audio, config, request_id="record")
    save("transcript", transcript)
    save("models", await asr_client.list_models("record"))
    save("languages", await asr_client.list_languages("record"))
    save("device", await asr_client.device_info("record"))
    save("summary", await llm_client.summarize(transcript.text, "brief", request_id="record"))
    for kind in RECORDED_ANALYSES:
        save(f"analysis_{kind}", await llm_client.analyze(transcript.text, kind, request_id="record"))
    for kind in RECORDED_GENERATED:
        save(f"generated_{kind}", await llm_client.generate(transcript.text, kind, "", request_id="record"))
    passages = [s.text for s in transcript.segments]
    async for event in llm_client.chat(CHAT_QUESTION, passages[:5], [], request_id="record"):
        if event.WhichOneof("event") == "done":
            save("chat_answer", event.done)
    texts = list(dict.fromkeys([*passages, *_windows(passages), CHAT_QUESTION]))
    save("embedded_texts", embed_pb2.EmbedRequest(texts=texts))
    save("embeddings", await embed_client.embed(texts, request_id="record"))
    for client in (asr_client, llm_client, embed_client):
        await client.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="stt-record-") as tmp:
        folder = Path(tmp)
        audio = conversation(CONVERSATION_LINES, folder).path
        engine, engine_url = llm_engine(folder / "engine.log")
        services = [
            asr_process(folder, folder / "asr.log"),
            embed_process(folder, folder / "embed.log"),
            llm_process(folder, folder / "llm.log", engine_url),
        ]
        try:
            for service in services:
                service.start()
            asr, embed, llm = (s.address for s in services)
            asyncio.run(_record(asr, llm, embed, audio))
        finally:
            for service in services:
                service.stop()
            stop([engine])


if __name__ == "__main__":
    main()
