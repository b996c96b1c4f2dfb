# @step 1
# trace.json holds the trace's settings (metadata), the tokens, the paths (best first) and the
# diagram's nodes and links.
import json

with open("traced/trace.json") as f:
    trace = json.load(f)
meta = trace["metadata"]
print(f"layer {meta['layer']}, {meta['seq_len']} tokens, traced from {meta['target_pos']} "
      f"({trace['tokens'][meta['target_pos']]!r})")

# @step 2
# Each beam runs from the target back to where the path starts: its tokens in that order, the
# attention each of them pays to the next (the edges) and the path's score.
for beam in trace["beams"]:
    words = " <- ".join(repr(token) for token in beam["tokens"])
    edges = ", ".join(f"{a:.3f}" for a in beam["edge_attns"])
    print(f"{beam['score_norm']:.4f}  {words}  [{edges}]")
# @end
