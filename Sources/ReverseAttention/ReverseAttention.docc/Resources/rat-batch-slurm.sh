# @step 1
# The dataset: one JSON object per line, with an id and a text (or ids, or messages), and any of
# trace.json's option names to override the command's defaults for that line.
cat >sentences.jsonl <<'JSONL'
{"id": "fox", "text": "The quick brown fox jumps over the lazy dog."}
{"id": "fox-layer-0", "text": "The quick brown fox jumps over the lazy dog.", "layer": 0, "agg_heads": "max"}
{"id": "paris", "text": "The capital of France is Paris."}
{"id": "rain", "text": "It rained all day, so the match was cancelled."}
{"id": "empty", "text": ""}
{"id": "code", "text": "def add(a, b):\n    return a + b"}
JSONL

# @step 2
# The job: an array of three tasks. Each task loads the model once and takes every third line
# (--shard auto reads SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT), writing its own file.
cat >trace-sentences.sbatch <<'JOB'
#!/bin/bash
#SBATCH --job-name=rat-batch
#SBATCH --array=0-2
#SBATCH --cpus-per-task=1
#SBATCH --output=rat-batch-%A_%a.log
rat batch sentences.jsonl --shard auto --threads 1 --output "traces.$SLURM_ARRAY_TASK_ID.jsonl"
JOB

# @step 3
# Submit it and wait for every task (--wait); --parsable prints only the job id.
job=$(sbatch --parsable --wait trace-sentences.sbatch)
echo "job finished: $(ls traces.*.jsonl | tr '\n' ' ')"

# @step 4
# Merge the shards back into the input's order; a missing or repeated id is reported.
rat batch --merge sentences.jsonl traces.0.jsonl traces.1.jsonl traces.2.jsonl --output traces.jsonl

# @step 5
# Each line is {"id", "trace"} (trace.json, as rat trace --json prints it) or {"id", "error"}.
jq -r 'if .trace then "\(.id): \(.trace.paths_text[0])" else "\(.id): error: \(.error)" end' traces.jsonl
