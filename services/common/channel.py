"""Client channels to services: fast reconnection after a restart, and per-call balancing across pods."""

from __future__ import annotations

import grpc

from services.common.grpc_server import MAX_MESSAGE_BYTES

CHANNEL_OPTIONS: tuple[tuple[str, int | str], ...] = (
    # A restarted service is found again within about a second instead of gRPC's default backoff
    # of up to two minutes, so callers recover without a restart of their own.
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 1000),
    # Headless Kubernetes services resolve to every pod; balance per call, not per connection.
    ("grpc.lb_policy_name", "round_robin"),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.keepalive_time_ms", 30_000),
)


def open_channel(address: str) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS)
