"""`python -m services.tts`: runs the speech synthesis gRPC service until SIGINT/SIGTERM."""

from __future__ import annotations

from services.common.runner import ServiceParts, run_service
from services.common.work_queue import WorkQueue
from services.tts.server import SERVICE_NAME, TtsServicer
from services.tts.settings import TtsSettings
from services.tts.synthesizer import Synthesizer
from stt.v1 import tts_pb2_grpc


def build(settings: TtsSettings) -> ServiceParts:
    synthesizer = Synthesizer(settings)
    queue = WorkQueue("sentences", settings.workers, settings.max_waiting, "speech")
    servicer = TtsServicer(synthesizer, queue)
    return ServiceParts(
        SERVICE_NAME, servicer, tts_pb2_grpc.add_TtsServicer_to_server, synthesizer, servicer.shutdown
    )


def main() -> None:
    run_service("tts", TtsSettings(), build)


if __name__ == "__main__":
    main()
