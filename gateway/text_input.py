"""Checks on text the text endpoints receive, before it crosses to a service."""

from __future__ import annotations

from gateway.errors import ApiError


def require_unicode(text: str, what: str) -> None:
    """JSON may carry a lone surrogate escape (`\\ud800`), which no UTF-8 text (nor gRPC) can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, f"{what} is not valid Unicode (it holds a lone surrogate)") from None
