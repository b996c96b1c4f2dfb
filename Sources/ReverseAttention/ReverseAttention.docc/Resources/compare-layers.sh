# @step 1
# One pass through every layer, kept for the page: each token's strongest predecessors in every
# layer, for both head aggregations. The paths printed are the traced layer's (the last).
rat trace --text "The quick brown fox jumps over the lazy dog." --explore all --output layers

# @step 2
# The paths at layer 1, traced on their own: what the page shows when you pick layer 1.
rat trace --text "The quick brown fox jumps over the lazy dog." --layer 1
