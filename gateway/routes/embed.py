"""`POST /v1/embed`: sentence embeddings from the embedding service."""

from __future__ import annotations

import json

import numpy as np
from fastapi import APIRouter, Response

from gateway.dependencies import EmbedDep, MeteredDep, RequestIdDep, WatchedDep
from gateway.errors import ApiError
from gateway.schemas.text import EmbedRequest, EmbedResponse
from gateway.text_input import require_unicode

router = APIRouter(tags=["text"])


@router.post("/v1/embed", response_model=EmbedResponse, summary="Sentence embeddings")
async def embed(
    body: EmbedRequest, embedder: EmbedDep, request_id: RequestIdDep, watched: WatchedDep, _: MeteredDep
) -> Response:
    if not body.texts:
        raise ApiError(400, "no texts to embed: send at least one")
    for index, text in enumerate(body.texts):
        require_unicode(text, f"text {index}")
    answer = await watched(embedder.embed(body.texts, request_id=request_id))
    # Rendered here rather than through FastAPI's encoder, which walks tens of thousands of floats
    # one by one; eight decimals keep every digit a float32 holds and halve the JSON.
    vectors = np.asarray([vector.values for vector in answer.embeddings], dtype=np.float64)
    body_json = {
        "embeddings": np.round(vectors, 8).tolist(),
        "dimensions": answer.dimensions,
        "model": answer.model,
    }
    return Response(json.dumps(body_json), media_type="application/json")
