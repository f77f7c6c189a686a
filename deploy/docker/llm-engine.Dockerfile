# The LLM service's engine on CPUs: llama.cpp's OpenAI-compatible server (llama-cpp-python) with a GGUF
# model mounted at /models/model.gguf. On GPUs, run vLLM's own image (vllm/vllm-openai) instead.
#   docker build -f deploy/docker/llm-engine.Dockerfile -t stt/llm-engine:cpu .
FROM python:3.11-slim-bookworm AS build
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*
# Compiled for AVX2, not for the build machine: an image runs on other CPUs than the one that built it,
# and the native build's Intel AMX path crashes on some (see the Makefile).
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir "llama-cpp-python[server]==0.3.36"

FROM python:3.11-slim-bookworm
COPY --from=build /venv /venv
RUN useradd --create-home --uid 10001 stt
USER 10001
ENV PATH=/venv/bin:$PATH
EXPOSE 8080
CMD ["python", "-m", "llama_cpp.server", "--model", "/models/model.gguf", "--host", "0.0.0.0", "--port", "8080"]
