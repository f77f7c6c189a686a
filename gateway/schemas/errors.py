"""The body of every error answer."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorAnswer(BaseModel):
    error: str = Field(description="What went wrong, in words a caller can act on")
