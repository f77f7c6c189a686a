"""`python -m services.llm`: runs the LLM gRPC service until SIGINT/SIGTERM."""

from __future__ import annotations

from services.common.runner import ServiceParts, run_service
from services.llm.analysis.analyzer import Analyzer
from services.llm.analysis.language import LanguagePipeline
from services.llm.analysis.sentiment import SentimentScorer
from services.llm.chat import ChatAnswerer
from services.llm.engine_client import EngineClient
from services.llm.engine_runtime import EngineRuntime
from services.llm.generation.generator import Generator
from services.llm.server import SERVICE_NAME, LlmServicer
from services.llm.settings import LlmSettings
from services.llm.structured import StructuredAnswers, structured_room_tokens
from services.llm.summarizer import Summarizer
from stt.v1 import llm_pb2_grpc


def build(settings: LlmSettings) -> ServiceParts:
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
    runtime = EngineRuntime(settings)
    return ServiceParts(SERVICE_NAME, servicer, llm_pb2_grpc.add_LlmServicer_to_server, runtime, engine.close)


def main() -> None:
    run_service("llm", LlmSettings(), build)


if __name__ == "__main__":
    main()
