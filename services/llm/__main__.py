"""`python -m services.llm`: runs the LLM gRPC service until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio

import grpc

from services.common.grpc_server import serve
from services.common.logging_setup import configure_logging
from services.llm.analysis.analyzer import Analyzer
from services.llm.analysis.language import LanguagePipeline
from services.llm.analysis.sentiment import SentimentScorer
from services.llm.chat import ChatAnswerer
from services.llm.engine_client import EngineClient
from services.llm.generation.generator import Generator
from services.llm.server import SERVICE_NAME, EngineRuntime, LlmServicer
from services.llm.settings import LlmSettings
from services.llm.structured import StructuredAnswers, structured_room_tokens
from services.llm.summarizer import Summarizer
from stt.v1 import llm_pb2_grpc


async def run(settings: LlmSettings) -> None:
    engine = EngineClient(settings)
    summarizer = Summarizer(engine, settings)
    structured = StructuredAnswers(engine, settings.structured_answer_tokens)
    room = structured_room_tokens(settings)
    servicer = LlmServicer(
        summarizer,
        Analyzer(
            LanguagePipeline(), SentimentScorer(), structured, summarizer, room, settings.max_input_chars
        ),
        Generator(
            structured,
            summarizer,
            room,
            settings.context_tokens - settings.structured_answer_tokens - 600,
            settings.max_input_chars,
        ),
        ChatAnswerer(engine, settings),
    )

    def add_servicer(server: grpc.aio.Server) -> None:
        llm_pb2_grpc.add_LlmServicer_to_server(servicer, server)

    try:
        await serve(settings, SERVICE_NAME, add_servicer, EngineRuntime(settings))
    finally:
        await engine.close()


def main() -> None:
    settings = LlmSettings()
    configure_logging("llm", settings.log_level)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
