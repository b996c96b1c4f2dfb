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

# For now the demo traces a bundled matrix: SmolLM2-135M's last-layer attention (mean over
# heads) on "The quick brown fox jumps over the lazy dog.", exported by tools/paths/make_fixtures.py.
demo: build
	.build/release/rat paths Examples/fox/attention.npy --tokens Examples/fox/tokens.json \
		--token-ids Examples/fox/token_ids.json --layer 29 --output output/fox
	.build/release/rat paths Examples/fox/attention.npy --tokens Examples/fox/tokens.json \
		--token-ids Examples/fox/token_ids.json --layer 29 --search exact --top-beam 3 >/dev/null

# Benchmarks print timings; they are not tests.
# rat-bench times the reference too when a reference environment exists (RAT_REFERENCE_PYTHON,
# or ../refenv/bin/python): see README, "Performance".
bench: build assets
	.build/release/rat-bench --sizes 128,512,2048
	.build/release/rat-bench-paths 512 2048 4096

clean:
	rm -rf .build output
