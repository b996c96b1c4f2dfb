/// Tokenization: byte-level BPE tokenizers loaded from tokenizer.json or GGUF metadata,
/// token for token identical to HuggingFace.
public enum Tokenization {}
