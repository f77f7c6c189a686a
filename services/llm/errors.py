"""The failures of a request the service reports, each mapped to one gRPC status in `server.py`."""


class InvalidRequestError(ValueError):
    """Empty text, an unknown style or type: INVALID_ARGUMENT."""


class TextTooLongError(ValueError):
    """Text over the configured maximum: OUT_OF_RANGE (413 at the gateway), never silently cut."""


def usable_text(text: str, max_chars: int, verb: str) -> str:
    """The text without surrounding space, or the error for an empty or an oversized one."""
    text = text.strip()
    if not text:
        raise InvalidRequestError("the text is empty")
    if len(text) > max_chars:
        raise TextTooLongError(f"the text has {len(text)} characters; at most {max_chars} can be {verb}")
    return text
