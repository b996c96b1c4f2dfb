rat generate --prompt "The quick brown fox" --max-new-tokens 6 --show-paths --top-beam 1
