#!/usr/bin/env python3
"""Golden data for SentencePiece-style tokenizers (Metaspace / "▁", byte fallback, unk, Unigram),
with HuggingFace as the oracle.

Usage (from the repository root):
    /work/refenv/bin/python tools/tokenizer/make_sentencepiece_fixtures.py [--cache ~/.cache/rat]
        [--parts gemma3,variants,gguf] [--retrain]

Writes Fixtures/tokenizer/sentencepiece/, as compact JSON:
    gemma3.json         Gemma 3's GGUF (models/gemma-3-270m-q4_k_m.gguf) through transformers' GGUF
                        loader: {"source", "versions", "seed", "cases": [{"text","ids","tokens","decoded"}]}
                        for strings.py's corpus and random strings, as in smollm2.json.
    gemma3-facts.json   what that loader built: special ids, the backend's normalizer / pre-tokenizer /
                        decoder / post-processor, model options, merges (count, first and last 50),
                        added tokens, (id, token) samples and the GGUF's token_type counts.
    NAME/tokenizer.json (+ tokenizer_config.json)
                        small tokenizers trained here with HF `tokenizers` (BPE and Unigram, byte
                        fallback tokens <0x00>..<0xFF>) in the shapes Llama 2 / Mistral, transformers
                        5's LlamaTokenizer, Gemma and plain Metaspace give them.
    variants.json       {"versions", "seed", "training", "variants": {NAME: {"folder", "what", "oracle",
                        "transformers", "vocab_size", "cases"}}}; "transformers" says which class
                        AutoTokenizer picked, how its backend differs from the file, and on how many
                        cases its output differs. A case is {"text","ids","tokens","decoded"} from
                        tokenizers.Tokenizer.from_file(NAME/tokenizer.json) (encode(text).ids,
                        decode([id], skip_special_tokens=False), decode(ids, skip_special_tokens=False));
                        when AutoTokenizer.from_pretrained(NAME) (tok(text).input_ids, tok.decode([id]),
                        tok.decode(ids)) gives anything else, the case also has "transformers":
                        {"ids","tokens","decoded"}.
    gguf/*.gguf         tiny metadata-only GGUFs with tokenizer.ggml.model "llama" (architectures llama,
                        phi3, gemma3; with and without merges; flag variations), "t5", and malformed ones.
    gguf-expected.json  {"versions", "seed", "how", "files": {NAME: {"what", "facts", "cases"} or {"what",
                        "error"}}, "malformed": {NAME: {"what", "loads", "error" | "sample"}}} with
                        AutoTokenizer.from_pretrained(dir, gguf_file=NAME) as the oracle; "error" is
                        transformers refusing the file.

The training text is deterministic: a few Python standard-library modules of the Python running this
script (named in variants.json) plus strings.py's Latin/Greek/Cyrillic strings. CJK, emoji, tabs and
newlines are left out of it on purpose, so they reach byte fallback / unk. HF's trainers break ties in
hash order, though, so training itself is not reproducible: the vocabularies are trained once, and later
runs read them back from the committed llama-legacy/ and unigram/ folders (--retrain trains anew and
changes every fixture here).
"""
import argparse
import importlib.metadata
import importlib.util
import json
import os
import random
import shutil
import sys
import tempfile
import unicodedata

import gguf
import tokenizers
import transformers
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fuzz_fixtures import POOLS  # noqa: E402
from strings import CODE, PROSE, UNICODE, corpus  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Fixtures", "tokenizer", "sentencepiece")
SEED = 20261202
RANDOM_COUNT = 300
SP = "\u2581"
VERSIONS = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
            "gguf": importlib.metadata.version("gguf"), "python": sys.version.split()[0]}

GEMMA_GGUF = "gemma-3-270m-q4_k_m.gguf"
GEMMA_SPECIALS = ["<start_of_turn>", "<end_of_turn>", "<bos>", "<eos>", "<pad>"]

# ---------------------------------------------------------------------------------------------
# Test strings
# ---------------------------------------------------------------------------------------------

ADDED = ["<|im_start|>", "<|im_end|>", "New York", "<mask>", "[SEP]", "fox"]
SP_POOLS = POOLS + [
    [SP, SP + SP, SP + "the", "a" + SP, " " + SP + " "],
    ["<0x41>", "<0x0A>", "<0xE4>", "<0x00>", "<0x", "0x41", "<0xGG>", "<0x4>"],
    ["<s>", "</s>", "<unk>", "<bos>", "<eos>", "<pad>", "<think>", "</think>", "<s", "s>"],
    ADDED + ["<|im_start", "new york", "New  York", "NewYork", " fox ", "foxes", "afox", "<mask >", " [SEP] "],
    ["    ", "        ", "\t\t", "\n\n\n", " \t ", "  \n  ", "\u00a0\u00a0", "\u3000"],
    ["\u0300", "\u0301\u0302", "n\u0303", "\u0915\u094d", "\u05b0", "\u1100\u1161", "\u0e33"],
    ["def ", "return ", "self.", "import ", "(a, b)", "==", "->", "**kwargs", "__init__"],
    ["漢", "語", "😀", "🦀", "𝄞", "\U0010fffd", "\U000e0041", "ℌ", "Ⅻ", "ǈ", "ﬀ"],
]


def random_strings(n):
    rng = random.Random(SEED)
    out = []
    for _ in range(n):
        k = rng.randint(1, 20)
        parts = []
        for _ in range(k):
            parts.append(rng.choice(rng.choice(SP_POOLS)))
        s = "".join(parts)
        if rng.random() < 0.15:
            s = " " * rng.randint(1, 3) + s
        if rng.random() < 0.15:
            s = s + " " * rng.randint(1, 3)
        out.append(s)
    return out


def extra_strings():
    """Strings aimed at SentencePiece specifics, added to strings.py's corpus."""
    return [
        SP, SP + SP, SP + "hello", "hello" + SP + "world", " " + SP, SP + " ", "a" + SP + " " + SP + "b",
        "<0x41>", "<0x0A>", "x<0x41>y", " <0x41> ", "<0xE4><0xB8><0xAD>", "<0x41", "0x41>",
        "<s>", "</s>", "<unk>", "<s>hello</s>", " <s> ", "hello <s> world", "<s><s>", "<unk>x<unk>",
        "<think>", "</think>", "<think>hi</think>", "<bos>", "<eos>", "<pad>",
        "<|im_start|>user\nhello<|im_end|>", "<|im_start|> user", " <|im_start|>", "<|im_end|> ",
        "I love New York", "New York", "new york", "NewYork", "New  York", " New York ",
        "the quick fox", "fox", "foxes", "a fox.", "afox", "fox-trot", "<mask>", " <mask> ", "x <mask> y",
        "a [SEP] b", "[SEP]", "a[SEP]b",
        "    def f():", "\tdef f():", "x\n\ny", "  \n  ", "a\u00a0b", "\u3000x",
        "漢字", "語", "😀", "🦀 crab", "𝄞", "\U0010fffd", "\U000e0041", "é", "e\u0301", "\u0301",
        "naïve café", "Ελληνικά", "русский", "日本語のテキスト", "한국어", "ℌ", "ﬀ", "ǈ",
        "hello world", " hello world", "  hello world", "hello world ", "hello  world", "Hello World",
        "\n", "\nhello", "hello\n", " \n ", "a\tb",
    ]


def texts_for(special_tokens):
    seen, out = set(), []
    for t in corpus(special_tokens) + extra_strings() + random_strings(RANDOM_COUNT):
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def run_tokenizers(tok, texts):
    cases = []
    for text in texts:
        ids = tok.encode(text).ids
        cases.append({"text": text, "ids": ids,
                      "tokens": [tok.decode([i], skip_special_tokens=False) for i in ids],
                      "decoded": tok.decode(ids, skip_special_tokens=False)})
    return cases


def run_transformers(tok, texts):
    cases = []
    for text in texts:
        ids = tok(text)["input_ids"]
        cases.append({"text": text, "ids": ids, "tokens": [tok.decode([i]) for i in ids], "decoded": tok.decode(ids)})
    return cases


def dump(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def backend_config(tok):
    """The backend tokenizer's pipeline and model options (no vocabulary, no merges)."""
    j = json.loads(tok.backend_tokenizer.to_str())
    model = {k: v for k, v in j["model"].items() if k not in ("vocab", "merges")}
    return {"normalizer": j["normalizer"], "pre_tokenizer": j["pre_tokenizer"], "decoder": j["decoder"],
            "post_processor": j["post_processor"], "model": model}, j


def added_token_dicts(backend_json):
    keys = ["id", "content", "special", "normalized", "lstrip", "rstrip", "single_word"]
    return [{k: t[k] for k in keys} for t in backend_json["added_tokens"]]


# ---------------------------------------------------------------------------------------------
# a. Gemma 3
# ---------------------------------------------------------------------------------------------

def gemma3(cache):
    path = os.path.join(cache, "models", GEMMA_GGUF)
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(path, os.path.join(tmp, GEMMA_GGUF))
        tok = AutoTokenizer.from_pretrained(tmp, gguf_file=GEMMA_GGUF)
    texts = texts_for(GEMMA_SPECIALS)
    dump(os.path.join(OUT, "gemma3.json"), {
        "source": f"models/{GEMMA_GGUF} (AutoTokenizer.from_pretrained(dir, gguf_file=name))",
        "versions": VERSIONS, "seed": SEED, "cases": run_transformers(tok, texts)})

    reader = gguf.GGUFReader(path)
    field = reader.fields["tokenizer.ggml.tokens"]
    gguf_tokens = [bytes(field.parts[i]).decode("utf-8") for i in field.data]
    tf = reader.fields["tokenizer.ggml.token_type"]
    gguf_types = [int(tf.parts[i][0]) for i in tf.data]
    meta = {}
    for key in ["tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.padding_token_id", "tokenizer.ggml.add_bos_token",
                "tokenizer.ggml.add_eos_token", "tokenizer.ggml.add_space_prefix"]:
        if key in reader.fields:
            f = reader.fields[key]
            v = f.parts[f.data[0]]
            meta[key] = bytes(v).decode("utf-8") if f.types[0] == gguf.GGUFValueType.STRING else v.tolist()[0]
    meta["tokenizer.ggml.merges present"] = "tokenizer.ggml.merges" in reader.fields
    meta["tokenizer.ggml.scores present"] = "tokenizer.ggml.scores" in reader.fields

    config, j = backend_config(tok)
    merges = [m if isinstance(m, str) else " ".join(m) for m in j["model"]["merges"]]
    added = added_token_dicts(j)
    vocab = tok.convert_ids_to_tokens(list(range(len(gguf_tokens))))
    space_ids = [i for i, t in enumerate(gguf_tokens) if " " in t]
    sample_ids = sorted(set(list(range(0, 300)) + list(range(300, len(gguf_tokens), 997)) + space_ids
                            + list(range(len(gguf_tokens) - 20, len(gguf_tokens)))))
    type_counts = {}
    for t in gguf_types:
        type_counts[str(t)] = type_counts.get(str(t), 0) + 1
    facts = {
        "source": f"models/{GEMMA_GGUF}", "versions": VERSIONS,
        "len": len(tok), "backend_vocab_size": tok.backend_tokenizer.get_vocab_size(),
        "gguf_token_count": len(gguf_tokens),
        "bos_token_id": tok.bos_token_id, "eos_token_id": tok.eos_token_id,
        "unk_token_id": tok.unk_token_id, "pad_token_id": tok.pad_token_id,
        "special_tokens_map": {k: str(v) for k, v in tok.special_tokens_map.items()},
        "empty_string_ids": tok("")["input_ids"],
        "add_bos_token": getattr(tok, "add_bos_token", None), "add_eos_token": getattr(tok, "add_eos_token", None),
        "clean_up_tokenization_spaces": tok.clean_up_tokenization_spaces,
        "gguf_metadata": meta,
        "backend": config,
        "merges_count": len(merges), "merges_first": merges[:50], "merges_last": merges[-50:],
        "added_tokens_count": len(added), "added_tokens": added,
        "gguf_token_type_counts": type_counts,
        "gguf_tokens_with_space": [[i, gguf_tokens[i], vocab[i]] for i in space_ids],
        "samples_fields": ["id", "gguf_token", "hf_token", "gguf_token_type"],
        "samples": [[i, gguf_tokens[i], vocab[i], gguf_types[i]] for i in sample_ids],
    }
    if len(json.dumps(added, ensure_ascii=False)) > 2_000_000:
        facts["added_tokens"] = added[:200] + added[-200:]
        facts["added_tokens_trimmed"] = "first 200 + last 200"
    dump(os.path.join(OUT, "gemma3-facts.json"), facts)
    print(f"gemma3.json: {len(texts)} cases; {len(added)} added tokens, {len(merges)} merges, "
          f"{len(space_ids)} GGUF tokens with a space")


# ---------------------------------------------------------------------------------------------
# b. Trained tokenizers
# ---------------------------------------------------------------------------------------------

STDLIB = ["argparse", "textwrap", "difflib", "calendar", "fractions", "shlex", "json.decoder", "json.encoder",
          "string", "heapq", "bisect", "colorsys"]
BYTES = [f"<0x{b:02X}>" for b in range(256)]
SPECIAL3 = ["<unk>", "<s>", "</s>"]


def training_lines():
    """Deterministic training text; no tabs, newlines, CJK or emoji (they are left to byte fallback)."""
    lines = []
    for name in STDLIB:
        with open(importlib.util.find_spec(name).origin, encoding="utf-8") as f:
            for line in f.read().split("\n"):
                line = line.replace("\t", "    ").rstrip()
                if line.strip():
                    lines.append(line)

    def keep(s):
        return all(not (0x2E80 <= ord(c) <= 0xFFFF and unicodedata.category(c).startswith("Lo")) and ord(c) < 0x2000
                   and c not in "\t\n\r" for c in s)

    extra = [s for s in PROSE + CODE + UNICODE if keep(s)]
    for _ in range(20):
        lines.extend(s.replace("\n", " ") for s in extra)
    return lines


def train_bpe(lines):
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend(SP), normalizers.Replace(" ", SP)])
    # SentencePiece-like pieces: "▁word", and runs of "▁" kept apart from the word after them.
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(f"{SP}+(?={SP}[^{SP}])|{SP}?[^{SP}]+|{SP}+"), "isolated")
    trainer = trainers.BpeTrainer(vocab_size=2800, min_frequency=2, show_progress=False, special_tokens=SPECIAL3,
                                  limit_alphabet=120, max_token_length=16)
    tok.train_from_iterator(lines, trainer)
    j = json.loads(tok.to_str())
    trained = sorted(j["model"]["vocab"].items(), key=lambda kv: kv[1])
    vocab = {t: i for i, t in enumerate(SPECIAL3 + BYTES)}
    for t, _ in trained:
        if t not in vocab:
            vocab[t] = len(vocab)
    merges = [m if isinstance(m, list) else m.split(" ") for m in j["model"]["merges"]]
    return vocab, merges


def train_unigram(lines):
    tok = Tokenizer(models.Unigram())
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=SP, prepend_scheme="always", split=True)
    trainer = trainers.UnigramTrainer(vocab_size=2000, show_progress=False, special_tokens=SPECIAL3, unk_token="<unk>",
                                      max_piece_length=12)
    tok.train_from_iterator(lines, trainer)
    j = json.loads(tok.to_str())
    pieces = [tuple(p) for p in j["model"]["vocab"]]
    assert [p for p, _ in pieces[:3]] == SPECIAL3, pieces[:3]
    # SentencePiece puts the byte pieces right after the control ones, with score 0.
    vocab = [list(p) for p in pieces[:3]] + [[b, 0.0] for b in BYTES] + [list(p) for p in pieces[3:] if p[0] not in BYTES]
    return vocab


def bpe_model(vocab, merges, byte_fallback=True, fuse_unk=True, unk="<unk>"):
    return {"type": "BPE", "dropout": None, "unk_token": unk, "continuing_subword_prefix": None,
            "end_of_word_suffix": None, "fuse_unk": fuse_unk, "byte_fallback": byte_fallback, "ignore_merges": False,
            "vocab": vocab, "merges": merges}


def special_added(contents, ids):
    return [{"id": ids[c], "content": c, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
             "special": True} for c in contents]


def template(bos=None, eos=None, ids=None):
    single = ([f"{bos}:0"] if bos else []) + ["$A:0"] + ([f"{eos}:0"] if eos else [])
    pair = single + ([f"{bos}:1"] if bos else []) + ["$B:1"] + ([f"{eos}:1"] if eos else [])
    specials = [(t, ids[t]) for t in (bos, eos) if t]
    return json.loads(processors.TemplateProcessing(single=" ".join(single), pair=" ".join(pair),
                                                    special_tokens=specials).__getstate__())


def to_json(obj):
    return json.loads(obj.__getstate__()) if obj is not None else None


LLAMA_DECODER = decoders.Sequence([decoders.Replace(SP, " "), decoders.ByteFallback(), decoders.Fuse(),
                                   decoders.Strip(" ", 1, 0)])
GEMMA_DECODER = decoders.Sequence([decoders.Replace(SP, " "), decoders.ByteFallback(), decoders.Fuse()])


def metaspace(scheme, split):
    return pre_tokenizers.Metaspace(replacement=SP, prepend_scheme=scheme, split=split)


def llama_config(legacy, **extra):
    cfg = {"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
           "pad_token": None, "add_bos_token": True, "add_eos_token": False, "clean_up_tokenization_spaces": False,
           "legacy": legacy, "model_max_length": 1000000}
    cfg.update(extra)
    return cfg


def generic_config(**extra):
    cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
           "clean_up_tokenization_spaces": False, "model_max_length": 1000000}
    cfg.update(extra)
    return cfg


EXTRA_ADDED = [
    AddedToken("<|im_start|>", special=True, normalized=False),
    AddedToken("<|im_end|>", special=True, normalized=False),
    AddedToken("New York", special=False, normalized=True),
    AddedToken("<mask>", special=True, normalized=False, lstrip=True, rstrip=False),
    AddedToken("[SEP]", special=True, normalized=False, lstrip=False, rstrip=True),
    AddedToken("fox", special=False, normalized=False, single_word=True),
]


def variants(bpe_vocab, merges, uni_vocab):
    """[(name, description, tokenizer.json dict, tokenizer_config.json dict)]"""
    ids = bpe_vocab
    base_added = special_added(SPECIAL3, ids)
    out = []

    def bpe(name, what, normalizer, pre, decoder, post, config, **model):
        j = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": base_added,
             "normalizer": to_json(normalizer), "pre_tokenizer": to_json(pre), "post_processor": post,
             "decoder": to_json(decoder), "model": bpe_model(ids, merges, **model)}
        out.append((name, what, j, config))

    legacy_norm = normalizers.Sequence([normalizers.Prepend(SP), normalizers.Replace(" ", SP)])
    bos = template("<s>", ids=ids)
    bpe("llama-legacy", "Llama 2 / Mistral v0.1 tokenizer.json: Prepend + Replace normalizer, no pre-tokenizer",
        legacy_norm, None, LLAMA_DECODER, bos, llama_config(True))
    bpe("llama-metaspace", "transformers 5 LlamaTokenizer's shape: Metaspace(first, split=false)",
        None, metaspace("first", False), LLAMA_DECODER, bos, llama_config(False))
    bpe("metaspace-always-split", "Metaspace(always, split=true), Metaspace decoder, <s> .. </s>, clean_up true",
        None, metaspace("always", True), metaspace("always", True), template("<s>", "</s>", ids=ids),
        generic_config(clean_up_tokenization_spaces=True))
    bpe("metaspace-never", "Metaspace(never, split=false), Metaspace(never) decoder, no post-processor; "
        "tokenizer_config.json says add_bos_token and add_eos_token true",
        None, metaspace("never", False), metaspace("never", False), None,
        generic_config(add_bos_token=True, add_eos_token=True))

    gemma_ids = {("<bos>" if t == "<s>" else "<eos>" if t == "</s>" else t): i for t, i in ids.items()}
    j = {"version": "1.0", "truncation": None, "padding": None,
         "added_tokens": special_added(["<unk>", "<bos>", "<eos>"], gemma_ids),
         "normalizer": to_json(normalizers.Replace(" ", SP)),
         "pre_tokenizer": to_json(pre_tokenizers.Split(" ", "merged_with_previous")),
         "post_processor": template("<bos>", ids=gemma_ids), "decoder": to_json(GEMMA_DECODER),
         "model": bpe_model(gemma_ids, merges)}
    out.append(("gemma-style", "GemmaTokenizer's shape: Replace(' ', '▁') normalizer, Split(' ', MergedWithPrevious), "
                "no Strip; specials renamed <bos>/<eos>", j,
                {"tokenizer_class": "GemmaTokenizer", "bos_token": "<bos>", "eos_token": "<eos>", "unk_token": "<unk>",
                 "pad_token": None, "mask_token": None, "add_bos_token": True, "add_eos_token": False,
                 "clean_up_tokenization_spaces": False}))

    bpe("no-byte-fallback", "llama-metaspace without byte_fallback; fuse_unk true (<0xNN> stay plain vocabulary)",
        None, metaspace("first", False), LLAMA_DECODER, bos, generic_config(), byte_fallback=False, fuse_unk=True)
    bpe("no-byte-fallback-no-fuse", "as no-byte-fallback with fuse_unk false",
        None, metaspace("first", False), LLAMA_DECODER, bos, generic_config(), byte_fallback=False, fuse_unk=False)

    uni_ids = {p: i for i, (p, _) in enumerate(uni_vocab)}
    for name, fallback, pre, dec, post in [
            ("unigram", True, metaspace("always", True), metaspace("always", True), template(None, "</s>", ids=uni_ids)),
            ("unigram-no-fallback", False, metaspace("first", True), LLAMA_DECODER, template("<s>", ids=uni_ids))]:
        j = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": special_added(SPECIAL3, uni_ids),
             "normalizer": None, "pre_tokenizer": to_json(pre), "post_processor": post, "decoder": to_json(dec),
             "model": {"type": "Unigram", "unk_id": 0, "vocab": uni_vocab, "byte_fallback": fallback}}
        what = ("Unigram with byte_fallback, unk_id 0, Metaspace(always, split) and decoder, T5-like </s> suffix, "
                "clean_up_tokenization_spaces true" if fallback
                else "Unigram without byte_fallback, Metaspace(first, split), Llama decoder Sequence, <s>")
        out.append((name, what, j, generic_config(clean_up_tokenization_spaces=fallback)))

    for name, src in [("added-tokens", "llama-metaspace"), ("added-tokens-legacy", "llama-legacy")]:
        base = next(v for v in out if v[0] == src)
        tok = Tokenizer.from_str(json.dumps(base[2]))
        tok.add_tokens(EXTRA_ADDED)
        j = json.loads(tok.to_str())
        cfg = dict(base[3])
        cfg["added_tokens_decoder"] = {str(t["id"]): {k: t[k] for k in ("content", "lstrip", "normalized", "rstrip",
                                                                         "single_word", "special")}
                                       for t in j["added_tokens"]}
        out.append((name, f"{src} plus added tokens: special non-normalized <|im_start|> <|im_end|>, normalized "
                    "non-special 'New York', <mask> lstrip, [SEP] rstrip, single_word 'fox'", j, cfg))
    return out


def committed_vocabularies():
    """The BPE vocabulary + merges and the Unigram vocabulary of the committed folders, or None."""
    try:
        with open(os.path.join(OUT, "llama-legacy", "tokenizer.json"), encoding="utf-8") as f:
            bpe = json.load(f)["model"]
        with open(os.path.join(OUT, "unigram", "tokenizer.json"), encoding="utf-8") as f:
            uni = json.load(f)["model"]["vocab"]
    except FileNotFoundError:
        return None
    return bpe["vocab"], [m if isinstance(m, list) else m.split(" ") for m in bpe["merges"]], uni


def trained(retrain):
    # The trainers are not deterministic (ties are broken in hash order), so the vocabularies are
    # trained once and then read back from the committed folders unless --retrain is given.
    lines = training_lines()
    have = None if retrain else committed_vocabularies()
    if have is None:
        bpe_vocab, merges = train_bpe(lines)
        uni_vocab = train_unigram(lines)
    else:
        bpe_vocab, merges, uni_vocab = have
    texts = texts_for(["<s>", "</s>", "<unk>", "<|im_start|>", "<|im_end|>"])
    result = {"versions": VERSIONS, "seed": SEED,
              "training": {"python_stdlib_modules": STDLIB, "lines": len(lines),
                           "chars": sum(len(line) + 1 for line in lines),
                           "bpe_vocab": len(bpe_vocab), "bpe_merges": len(merges), "unigram_vocab": len(uni_vocab),
                           "trainers": "BpeTrainer(vocab_size=2800, min_frequency=2, limit_alphabet=120, "
                                       "max_token_length=16), UnigramTrainer(vocab_size=2000, max_piece_length=12)"},
              "variants": {}}
    for name, what, j, config in variants(bpe_vocab, merges, uni_vocab):
        folder = os.path.join(OUT, name)
        if os.path.isdir(folder):
            shutil.rmtree(folder)
        os.makedirs(folder)
        # Round-trip through tokenizers so the committed file is its own serialization.
        tok = Tokenizer.from_str(json.dumps(j))
        with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
            f.write(tok.to_str())
            f.write("\n")
        if config is not None:
            with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
                json.dump(config, f, ensure_ascii=False, indent=2)
                f.write("\n")
        tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        cases = run_tokenizers(tok, texts)
        entry = {"folder": name, "what": what,
                 "oracle": "tokenizers.Tokenizer.from_file(folder/tokenizer.json): encode(text).ids, "
                           "decode([id], skip_special_tokens=False), decode(ids, skip_special_tokens=False)",
                 "transformers": {"how": "AutoTokenizer.from_pretrained(folder): tok(text).input_ids, tok.decode([id]), "
                                         "tok.decode(ids); a case's \"transformers\" is present only where it differs"}}
        try:
            hf = AutoTokenizer.from_pretrained(folder)
            hf_cases = run_transformers(hf, texts)
            differ = 0
            for c, h in zip(cases, hf_cases):
                if (c["ids"], c["tokens"], c["decoded"]) != (h["ids"], h["tokens"], h["decoded"]):
                    c["transformers"] = {"ids": h["ids"], "tokens": h["tokens"], "decoded": h["decoded"]}
                    differ += 1
            hf_config, _ = backend_config(hf)
            file_config, _ = backend_config(type("T", (), {"backend_tokenizer": tok})())
            entry["transformers"].update({
                "class": type(hf).__name__, "len": len(hf), "differing_cases": differ,
                "backend_differs_from_file": {k: hf_config[k] for k in hf_config if hf_config[k] != file_config[k]},
                "clean_up_tokenization_spaces": hf.clean_up_tokenization_spaces,
                "empty_string_ids": hf("")["input_ids"],
                "add_bos_token_attribute": hf.add_bos_token, "add_eos_token_attribute": hf.add_eos_token})
        except Exception as e:  # noqa: BLE001 - recorded, not fatal
            entry["transformers"]["error"] = f"{type(e).__name__}: {e}"
        entry["vocab_size"] = tok.get_vocab_size()
        entry["cases"] = cases
        result["variants"][name] = entry
        t = entry["transformers"]
        print(f"{name}: {len(cases)} cases, transformers {t.get('class')} differs on {t.get('differing_cases')}"
              + (f" ERROR {t['error']}" if "error" in t else ""))
    dump(os.path.join(OUT, "variants.json"), result)
    return bpe_vocab, merges, uni_vocab


# ---------------------------------------------------------------------------------------------
# c. Tiny GGUFs with tokenizer.ggml.model "llama" / "t5"
# ---------------------------------------------------------------------------------------------

USER_DEFINED = ["<think>", "</think>"]


def gguf_vocab(bpe_vocab, gemma=False):
    """tokens, scores, token_type for the llama-legacy vocabulary (+ two user-defined tokens)."""
    tokens = [t for t, _ in sorted(bpe_vocab.items(), key=lambda kv: kv[1])] + USER_DEFINED
    if gemma:
        # Gemma files spell whitespace-only pieces with real spaces and name the specials <bos>/<eos>.
        tokens = [" " * len(t) if len(t) > 1 and set(t) == {SP} else t for t in tokens]
        tokens = ["<bos>" if t == "<s>" else "<eos>" if t == "</s>" else t for t in tokens]
    types, scores = [], []
    first = len(SPECIAL3) + len(BYTES)
    for i, t in enumerate(tokens):
        if i == 0:
            types.append(2)
        elif i < len(SPECIAL3):
            types.append(3)
        elif i < first:
            types.append(6)
        elif t in USER_DEFINED:
            types.append(4)
        else:
            types.append(1)
        if types[-1] == 1:
            rank = i - first
            # Ties like real files have: every 37th piece shares the score of the one before it.
            if rank % 37 == 36:
                rank -= 1
            scores.append(-float(rank))
        else:
            scores.append(0.0)
    return tokens, scores, types


def write_gguf(name, arch, model, tokens, *, scores=None, types=None, merges=None, bos=1, eos=2, unk=0, pad=None,
               flags=None, extra_arrays=None):
    w = gguf.GGUFWriter(os.path.join(OUT, "gguf", name), arch)
    w.add_block_count(1)
    w.add_context_length(64)
    w.add_embedding_length(8)
    w.add_feed_forward_length(16)
    w.add_head_count(2)
    w.add_head_count_kv(2)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_vocab_size(len(tokens))
    w.add_string("tokenizer.ggml.model", model)
    w.add_array("tokenizer.ggml.tokens", tokens)
    if scores is not None:
        w.add_array("tokenizer.ggml.scores", scores)
    if types is not None:
        w.add_array("tokenizer.ggml.token_type", types)
    if merges is not None:
        w.add_array("tokenizer.ggml.merges", merges)
    for key, value in (("bos_token_id", bos), ("eos_token_id", eos), ("unknown_token_id", unk),
                       ("padding_token_id", pad)):
        if value is not None:
            w.add_uint32(f"tokenizer.ggml.{key}", value)
    for key, value in (flags or {}).items():
        w.add_bool(f"tokenizer.ggml.{key}", value)
    for key, value in (extra_arrays or {}).items():
        w.add_array(key, value)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def gguf_files(bpe_vocab, merges, uni_vocab):
    os.makedirs(os.path.join(OUT, "gguf"), exist_ok=True)
    for f in os.listdir(os.path.join(OUT, "gguf")):
        os.remove(os.path.join(OUT, "gguf", f))
    tokens, scores, types = gguf_vocab(bpe_vocab)
    gtokens, gscores, gtypes = gguf_vocab(bpe_vocab, gemma=True)
    merge_strings = [" ".join(m) for m in merges]
    gemma_merges = [" ".join(" " * len(p) if len(p) > 1 and set(p) == {SP} else p for p in m) for m in merges]
    on = {"add_bos_token": True, "add_eos_token": False, "add_space_prefix": True}
    valid = {
        "llama.gguf": ("llama architecture, scores only (merges derived from scores, with ties)",
                       dict(arch="llama", model="llama", tokens=tokens, scores=scores, types=types, flags=on)),
        "llama-merges.gguf": ("llama architecture with tokenizer.ggml.merges (the trained merges)",
                              dict(arch="llama", model="llama", tokens=tokens, scores=scores, types=types,
                                   merges=merge_strings, flags=on)),
        "llama-eos-no-bos-no-prefix.gguf": ("add_bos false, add_eos true, add_space_prefix false",
                                            dict(arch="llama", model="llama", tokens=tokens, scores=scores, types=types,
                                                 flags={"add_bos_token": False, "add_eos_token": True,
                                                        "add_space_prefix": False})),
        "llama-no-flags.gguf": ("no add_bos / add_eos / add_space_prefix keys, no unknown_token_id",
                                dict(arch="llama", model="llama", tokens=tokens, scores=scores, types=types, unk=None)),
        "phi3.gguf": ("phi3 architecture: transformers' phi3_tokenizer (Prepend + Replace normalizer)",
                      dict(arch="phi3", model="llama", tokens=tokens, scores=scores, types=types, flags=on)),
        "gemma3.gguf": ("gemma3 architecture: whitespace pieces spelled with real spaces, <bos>/<eos>, no merges "
                        "(transformers derives them from token order, ignoring scores)",
                        dict(arch="gemma3", model="llama", tokens=gtokens, scores=gscores, types=gtypes,
                             flags={"add_bos_token": True, "add_eos_token": False})),
        "gemma3-merges.gguf": ("gemma3 architecture with merges given, whitespace pieces in them spelled with "
                               "real spaces like the tokens (transformers splits each merge on ' ')",
                               dict(arch="gemma3", model="llama", tokens=gtokens, scores=gscores, types=gtypes,
                                    merges=gemma_merges, flags={"add_bos_token": True, "add_eos_token": False})),
        "gemma3-merges-no-space.gguf": ("gemma3 architecture with merges given, leaving out those whose pieces "
                                        "include a whitespace-only piece of 2+ characters (spelled with spaces)",
                                        dict(arch="gemma3", model="llama", tokens=gtokens, scores=gscores, types=gtypes,
                                             merges=[m for m in gemma_merges if m.count(" ") == 1],
                                             flags={"add_bos_token": True, "add_eos_token": False})),
    }
    # T5's layout: <pad> 0, </s> 1, <unk> 2, no byte pieces, vocabulary padded with "[PADn]" (type 5, unused)
    # which transformers renames to <extra_id_N>.
    pieces = [p for p in uni_vocab[3:] if p[0] not in BYTES]
    t5_tokens = ["<pad>", "</s>", "<unk>"] + [p for p, _ in pieces]
    t5_tokens += [f"[PAD{len(t5_tokens) + i}]" for i in range(3)]
    t5_scores = [0.0, 0.0, 0.0] + [float(s) for _, s in pieces] + [0.0] * 3
    t5_types = [3, 3, 2] + [1] * len(pieces) + [5] * 3
    t5_flags = {"add_bos_token": False, "add_eos_token": True, "add_space_prefix": True}
    valid["t5.gguf"] = ("tokenizer.ggml.model t5 (Unigram), t5 architecture, T5's layout (<pad> 0, </s> 1, <unk> 2), "
                        "three [PADn] placeholders",
                        dict(arch="t5", model="t5", tokens=t5_tokens, scores=t5_scores, types=t5_types, bos=None,
                             eos=1, unk=2, pad=0, flags=t5_flags))
    uni_tokens = [p for p, _ in uni_vocab]
    uni_types = [2 if i == 0 else 3 if i < 3 else 6 if i < 259 else 1 for i in range(len(uni_tokens))]
    valid["t5-unk-first.gguf"] = ("tokenizer.ggml.model t5 with the trained unigram layout (<unk> 0, <s> 1, </s> 2, "
                                  "byte pieces 3..258); T5Tokenizer assumes unk id 2",
                                  dict(arch="t5", model="t5", tokens=uni_tokens,
                                       scores=[float(s) for _, s in uni_vocab], types=uni_types, flags=t5_flags))
    malformed = {
        "bad-scores-count.gguf": ("scores has one entry fewer than tokens",
                                  dict(arch="llama", model="llama", tokens=tokens, scores=scores[:-1], types=types)),
        "bad-token-type-count.gguf": ("token_type has one entry fewer than tokens",
                                      dict(arch="llama", model="llama", tokens=tokens, scores=scores, types=types[:-1])),
        "bad-token-type-value.gguf": ("token_type holds 9 (no such type) for one token",
                                      dict(arch="llama", model="llama", tokens=tokens, scores=scores,
                                           types=types[:300] + [9] + types[301:])),
        "bad-missing-scores.gguf": ("no tokenizer.ggml.scores and no merges",
                                    dict(arch="llama", model="llama", tokens=tokens, types=types)),
        "bad-merge-unknown-token.gguf": ("merges name a piece that is not in the vocabulary",
                                         dict(arch="llama", model="llama", tokens=tokens, scores=scores, types=types,
                                              merges=merge_strings + ["zz\u00e6 q"])),
        "bad-bos-out-of-range.gguf": ("bos_token_id past the end of the vocabulary",
                                      dict(arch="llama", model="llama", tokens=tokens, scores=scores, types=types,
                                           bos=len(tokens) + 5)),
    }
    for name, (_, kw) in list(valid.items()) + list(malformed.items()):
        kw = dict(kw)
        write_gguf(name, kw.pop("arch"), kw.pop("model"), kw.pop("tokens"), **kw)

    texts = texts_for(["<s>", "</s>", "<unk>", "<think>", "</think>"]) + ["<bos>hi<eos>", "a  b   c", "  x"]
    result = {"versions": VERSIONS, "seed": SEED,
              "how": "AutoTokenizer.from_pretrained(dir, gguf_file=name): tok(text).input_ids, tok.decode([id]), "
                     "tok.decode(ids)",
              "files": {}, "malformed": {}}

    def load(name):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(os.path.join(OUT, "gguf", name), tmp)
            return AutoTokenizer.from_pretrained(tmp, gguf_file=name)

    for name, (what, _) in valid.items():
        entry = {"what": what}
        try:
            tok = load(name)
        except Exception as e:  # noqa: BLE001
            entry["error"] = f"{type(e).__name__}: {e}"
            result["files"][name] = entry
            print(f"gguf/{name}: transformers rejects it: {entry['error']}")
            continue
        config, j = backend_config(tok)
        model = j["model"]
        entry["facts"] = {
            "class": type(tok).__name__, "len": len(tok), "backend_vocab_size": tok.backend_tokenizer.get_vocab_size(),
            "bos_token_id": tok.bos_token_id, "eos_token_id": tok.eos_token_id, "unk_token_id": tok.unk_token_id,
            "pad_token_id": tok.pad_token_id, "special_tokens_map": {k: str(v) for k, v in tok.special_tokens_map.items()},
            "add_bos_token": getattr(tok, "add_bos_token", None), "add_eos_token": getattr(tok, "add_eos_token", None),
            "clean_up_tokenization_spaces": tok.clean_up_tokenization_spaces,
            "empty_string_ids": tok("")["input_ids"],
            "backend": config, "added_tokens": added_token_dicts(j),
            "merges": [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])],
        }
        if model["type"] == "BPE":
            spelled = {i: t for t, i in model["vocab"].items()}
            entry["facts"]["respelled_tokens"] = [[i, t, spelled.get(i)] for i, t in
                                                  enumerate(gtokens if "gemma" in name else tokens)
                                                  if spelled.get(i) != t]
        entry["cases"] = run_transformers(tok, texts)
        result["files"][name] = entry
        print(f"gguf/{name}: {len(texts)} cases, {type(tok).__name__}, len {len(tok)}, "
              f"{len(entry['facts']['merges'])} merges")
    for name, (what, _) in malformed.items():
        entry = {"what": what}
        try:
            tok = load(name)
            entry["loads"] = True
            entry["note"] = "transformers accepts this file; a sample of its output (not an expectation for rat)"
            entry["sample"] = run_transformers(tok, ["hello world", " <s>x</s>", "漢"])
        except Exception as e:  # noqa: BLE001
            entry["loads"] = False
            entry["error"] = f"{type(e).__name__}: {e}"
        result["malformed"][name] = entry
        print(f"gguf/{name}: loads={entry['loads']} {entry.get('error', '')}")
    dump(os.path.join(OUT, "gguf-expected.json"), result)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.environ.get("RAT_CACHE", os.path.expanduser("~/.cache/rat")))
    ap.add_argument("--parts", default="gemma3,variants,gguf", help="comma-separated subset of gemma3,variants,gguf")
    ap.add_argument("--retrain", action="store_true",
                    help="train the vocabularies again instead of reusing the committed ones (changes every fixture)")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    os.makedirs(OUT, exist_ok=True)
    if "gemma3" in parts:
        gemma3(args.cache)
    if "variants" in parts:
        trained(args.retrain)
    if "gguf" in parts:
        # From the committed folders, so the GGUFs always match them.
        have = committed_vocabularies()
        if have is None:
            sys.exit("gguf needs sentencepiece/llama-legacy and sentencepiece/unigram: run --parts variants first")
        gguf_files(*have)

if __name__ == "__main__":
    main()
