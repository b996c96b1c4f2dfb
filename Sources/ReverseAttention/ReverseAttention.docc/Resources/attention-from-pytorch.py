# @step 1
# Any causal model transformers loads will do; eager attention is the implementation that can
# return its weights. Here: SmolLM2-135M-Instruct from the GGUF file rat uses by default
# (a Hub name such as "HuggingFaceTB/SmolLM2-135M-Instruct" works the same way).
import json
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

folder, gguf_file = sys.argv[1], sys.argv[2]
tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf_file)
model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf_file, dtype=torch.float32,
                                             attn_implementation="eager").eval()

# @step 2
# One forward pass that returns every layer's attention: a tuple of [batch, heads, seq, seq].
text = "The quick brown fox jumps over the lazy dog."
inputs = tokenizer(text, return_tensors="pt")
with torch.no_grad():
    out = model(**inputs, output_attentions=True)

# @step 3
# Save every layer as one [layers, heads, seq, seq] float32 array, and each position's token as
# the text it stands for (rat shows these on the page and in the paths).
attention = torch.stack(out.attentions)[:, 0].float().numpy()
np.save("attention.npy", attention)
ids = inputs["input_ids"][0].tolist()
with open("tokens.json", "w") as f:
    json.dump([tokenizer.decode([i]) for i in ids], f)
with open("token-ids.json", "w") as f:
    json.dump(ids, f)
print(f"saved attention {list(attention.shape)} for {len(ids)} tokens")
# @end
