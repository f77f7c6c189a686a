"""`python -m services.embed`: runs the embedding gRPC service until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio

import grpc

from services.common.grpc_server import serve
from services.common.logging_setup import configure_logging
from services.embed.engine import EmbedEngine
from services.embed.server import SERVICE_NAME, EmbedServicer
from services.embed.settings import EmbedSettings
from stt.v1 import embed_pb2_grpc


async def run(settings: EmbedSettings) -> None:
    engine = EmbedEngine(settings)
    servicer = EmbedServicer(engine)

    def add_servicer(server: grpc.aio.Server) -> None:
        embed_pb2_grpc.add_EmbedServicer_to_server(servicer, server)

    try:
        await serve(settings, SERVICE_NAME, add_servicer, engine)
    finally:
        servicer.shutdown()


def main() -> None:
    settings = EmbedSettings()
    configure_logging("embed", settings.log_level)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
