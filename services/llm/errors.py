"""The failures of a request the service reports, each mapped to one gRPC status in `server.py`."""


class InvalidRequestError(ValueError):
    """Empty text, an unknown style or type: INVALID_ARGUMENT."""


class TextTooLongError(ValueError):
    """Text over the configured maximum: OUT_OF_RANGE (413 at the gateway), never silently cut."""
