"""`python -m services.embed`: runs the embedding gRPC service until SIGINT/SIGTERM."""

from __future__ import annotations

from services.common.runner import ServiceParts, run_service
from services.embed.engine import EmbedEngine
from services.embed.server import SERVICE_NAME, EmbedServicer
from services.embed.settings import EmbedSettings
from stt.v1 import embed_pb2_grpc


def build(settings: EmbedSettings) -> ServiceParts:
    engine = EmbedEngine(settings)
    servicer = EmbedServicer(engine)
    return ServiceParts(
        SERVICE_NAME, servicer, embed_pb2_grpc.add_EmbedServicer_to_server, engine, servicer.shutdown
    )


def main() -> None:
    run_service("embed", EmbedSettings(), build)


if __name__ == "__main__":
    main()
