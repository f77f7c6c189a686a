"""The failures a service reports to its caller, each with the one gRPC status it is answered with.

A service's own errors subclass these, so the status follows the kind of failure, subclasses included;
`observed` (metrics.py) aborts the call with it, so no servicer maps errors itself. The gateway maps
the same statuses to HTTP in one place (`gateway/errors.py`).
"""

from __future__ import annotations

from typing import ClassVar

import grpc


class ServiceError(Exception):
    status: ClassVar[grpc.StatusCode] = grpc.StatusCode.INTERNAL


class InvalidRequestError(ServiceError, ValueError):
    """The request cannot be served as sent (bad audio, unknown model, empty text): 400."""

    status = grpc.StatusCode.INVALID_ARGUMENT


class InputTooLargeError(ServiceError, ValueError):
    """Input over a configured maximum, never silently cut: 413."""

    status = grpc.StatusCode.OUT_OF_RANGE


class BusyError(ServiceError):
    """Every worker is taken and the waiting line is full: 429 with Retry-After."""

    status = grpc.StatusCode.RESOURCE_EXHAUSTED


class UnavailableError(ServiceError):
    """The models are still loading, or what the service relies on does not answer: 503."""

    status = grpc.StatusCode.UNAVAILABLE


class NotInstalledError(ServiceError):
    """The deployment has no model for this work at all (none installed or mounted): 503 with the
    service's own message, which says what to install; waiting does not help, so no Retry-After."""

    status = grpc.StatusCode.UNIMPLEMENTED


class MalformedAnswerError(ServiceError):
    """A model's answer stayed unusable after its retries: the engine behind the service failed (502)."""

    status = grpc.StatusCode.DATA_LOSS
