"""`python -m services.translate`: runs the translation gRPC service until SIGINT/SIGTERM."""

from __future__ import annotations

from services.common.runner import ServiceParts, run_service
from services.common.work_queue import WorkQueue
from services.translate.server import SERVICE_NAME, TranslateServicer
from services.translate.settings import TranslateSettings
from services.translate.translator import Translator
from stt.v1 import translate_pb2_grpc


def build(settings: TranslateSettings) -> ServiceParts:
    translator = Translator(settings)
    queue = WorkQueue("translations", settings.workers, settings.max_waiting, "translation")
    servicer = TranslateServicer(translator, queue)
    return ServiceParts(
        SERVICE_NAME,
        servicer,
        translate_pb2_grpc.add_TranslateServicer_to_server,
        translator,
        servicer.shutdown,
    )


def main() -> None:
    run_service("translate", TranslateSettings(), build)


if __name__ == "__main__":
    main()
