rat generate --prompt "The capital of France is" --max-new-tokens 6 --show-paths --top-beam 1
