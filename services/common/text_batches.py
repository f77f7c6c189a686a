"""The limits a batch of texts is held to before it waits for a worker (embedding, translation)."""

from __future__ import annotations

from services.common.errors import InvalidRequestError, ServiceError


def check_batch(
    texts: list[str], max_texts: int, max_text_chars: int, work: str, too_large: type[ServiceError]
) -> None:
    """Refuses a batch with no texts or an empty one (400), and one of more than `max_texts` texts or
    with a text over `max_text_chars` characters (`too_large`). `work` is what is done to them."""
    if not texts:
        raise InvalidRequestError(f"no texts to {work}: send at least one")
    if len(texts) > max_texts:
        raise too_large(f"{len(texts)} texts; at most {max_texts} a request")
    for index, text in enumerate(texts):
        if not text.strip():
            raise InvalidRequestError(f"text {index} is empty")
        if len(text) > max_text_chars:
            raise too_large(f"text {index} has {len(text)} characters; at most {max_text_chars}")
