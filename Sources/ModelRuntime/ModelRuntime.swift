/// ModelRuntime: model files (GGUF, safetensors, HF folders and cache), dequantization, one file per
/// architecture, and the CPU forward pass over BLAS with attention capture.
public enum ModelRuntime {}
