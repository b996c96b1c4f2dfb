set -e
# @step 1
# Run the model in PyTorch and save its attention (PYTHON: a Python with torch and transformers;
# MODELS: the folder holding the GGUF file).
"${PYTHON:-python3}" attention-from-pytorch.py "${MODELS:-$HOME/.cache/rat/models}" SmolLM2-135M-Instruct.Q4_1.gguf

# @step 2
# Trace the last layer's attention (heads averaged) back from the last token; the page in
# traced/ explores every layer the array holds. SmolLM2 starts a text without a BOS token, so
# paths run back as far as position 0.
rat paths attention.npy --tokens tokens.json --token-ids token-ids.json --layer -1 --no-stop-at-bos --output traced

# @step 3
# Read the trace back in Python.
"${PYTHON:-python3}" read-trace.py
# @end
