rat trace --text "The quick brown fox jumps over the lazy dog." --output out
