# @step 1
# Start the server on one port of this machine (loopback only) and wait until it answers.
port=${PORT:-8080}
rat serve --port "$port" 2>server.log &
server=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done

# @step 2
# What is loaded.
curl -s "http://127.0.0.1:$port/api/model" | jq -r '.family, .layers'

# @step 3
# A trace: the body takes trace.json's option names; the answer is what rat trace --json prints.
curl -s "http://127.0.0.1:$port/api/trace" \
     -d '{"text": "The quick brown fox jumps over the lazy dog.", "layer": 0, "agg_heads": "max"}' |
    jq -r '.paths_text[]'

# @step 4
# A generation, as server-sent events: one "token" event per written token, then "done".
curl -sN "http://127.0.0.1:$port/api/generate" \
     -d '{"text": "The quick brown fox", "max_new_tokens": 4}' |
    grep '^data:' | sed 's/^data: //' | jq -r 'select(.text != null and .index != null) | "\(.index) \(.id) \(.text | @json)"'

# @step 5
# Ctrl-C stops the server; so does SIGINT.
kill -INT "$server"
wait "$server"
