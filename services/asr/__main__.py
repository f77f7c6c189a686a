"""`python -m services.asr`: runs the ASR gRPC service until SIGINT/SIGTERM."""

from __future__ import annotations

from services.asr.engine import AsrEngine
from services.asr.server import SERVICE_NAME, AsrServicer
from services.asr.settings import AsrSettings
from services.common.runner import ServiceParts, run_service
from services.common.work_queue import WorkQueue
from stt.v1 import asr_pb2_grpc


def build(settings: AsrSettings) -> ServiceParts:
    engine = AsrEngine(settings)
    queue = WorkQueue("files", settings.workers, settings.max_queue, "transcription")
    # Each stream has at most one step waiting, so this queue can never be full.
    stream_queue = WorkQueue("streams", settings.stream_workers, settings.max_streams, "live-stream")

    def close() -> None:
        queue.shutdown()
        stream_queue.shutdown()

    servicer = AsrServicer(engine, queue, stream_queue, settings)
    return ServiceParts(SERVICE_NAME, servicer, asr_pb2_grpc.add_AsrServicer_to_server, engine, close)


def main() -> None:
    run_service("asr", AsrSettings(), build)


if __name__ == "__main__":
    main()
