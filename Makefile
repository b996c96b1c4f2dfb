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

demo: build
	$(SWIFT) run $(RELEASE) rat paths Examples/fox/attention.npy --tokens Examples/fox/tokens.json --output output/fox
	@echo "trace written to output/fox/trace.json"

bench: build
	$(SWIFT) run $(RELEASE) rat-bench

clean:
	rm -rf .build output
