"""`python -m services.llm`: runs the LLM gRPC service until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio

import grpc

from services.common.grpc_server import serve
from services.common.logging_setup import configure_logging
from services.llm.engine_client import EngineClient
from services.llm.server import SERVICE_NAME, EngineRuntime, LlmServicer
from services.llm.settings import LlmSettings
from services.llm.summarizer import Summarizer
from stt.v1 import llm_pb2_grpc


async def run(settings: LlmSettings) -> None:
    engine = EngineClient(settings)
    servicer = LlmServicer(Summarizer(engine, settings))

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
