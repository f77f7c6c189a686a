"""`python -m services.asr`: runs the ASR gRPC service until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio

import grpc

from services.asr.engine import AsrEngine
from services.asr.server import SERVICE_NAME, AsrServicer
from services.asr.settings import AsrSettings
from services.asr.work_queue import WorkQueue
from services.common.grpc_server import serve
from services.common.logging_setup import configure_logging
from stt.v1 import asr_pb2_grpc


async def run(settings: AsrSettings) -> None:
    engine = AsrEngine(settings)
    queue = WorkQueue("files", workers=settings.workers, max_waiting=settings.max_queue)
    # Each stream has at most one step waiting, so this queue can never be full.
    stream_queue = WorkQueue("streams", workers=settings.stream_workers, max_waiting=settings.max_streams)

    def add_servicer(server: grpc.aio.Server) -> None:
        asr_pb2_grpc.add_AsrServicer_to_server(AsrServicer(engine, queue, stream_queue, settings), server)

    try:
        await serve(settings, SERVICE_NAME, add_servicer, engine)
    finally:
        queue.shutdown()
        stream_queue.shutdown()


def main() -> None:
    settings = AsrSettings()
    configure_logging("asr", settings.log_level)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
