"""The text rules every LLM request shares; the failures are the common ones (services/common/errors.py)."""

from services.common.errors import InputTooLargeError, InvalidRequestError


class TextTooLongError(InputTooLargeError):
    """Text over the configured maximum (413 at the gateway), never silently cut."""


def usable_text(text: str, max_chars: int, verb: str) -> str:
    """The text without surrounding space, or the error for an empty or an oversized one."""
    text = text.strip()
    if not text:
        raise InvalidRequestError("the text is empty")
    if len(text) > max_chars:
        raise TextTooLongError(f"the text has {len(text)} characters; at most {max_chars} can be {verb}")
    return text
