"""`python -m services.audio`: runs the audio enhancement gRPC service until SIGINT/SIGTERM."""

from __future__ import annotations

from services.audio.enhancer import Enhancer
from services.audio.server import SERVICE_NAME, AudioServicer
from services.audio.settings import AudioSettings
from services.common.runner import ServiceParts, run_service
from services.common.work_queue import WorkQueue
from stt.v1 import audio_pb2_grpc


def build(settings: AudioSettings) -> ServiceParts:
    enhancer = Enhancer(settings)
    queue = WorkQueue("enhancements", settings.workers, settings.max_waiting, "enhancement")
    servicer = AudioServicer(enhancer, queue, settings)
    return ServiceParts(
        SERVICE_NAME, servicer, audio_pb2_grpc.add_AudioServicer_to_server, enhancer, servicer.shutdown
    )


def main() -> None:
    run_service("audio", AudioSettings(), build)


if __name__ == "__main__":
    main()
