#!/bin/sh
# The main job (`make run`): the embedded default model on the bundled data.
# Each step prints what it does; outputs land in out/ (store, report).
set -e
cd "$(dirname "$0")/.."
MODEL=build/models/default
OUT=out
mkdir -p "$OUT"

if [ ! -f "$MODEL/model.safetensors" ]; then
    echo "== creating the default model ($MODEL: tiny preset, seed 1234, default tokenizer)"
    ./griffin init-model --preset tiny --seed 1234 --dtype f32 --tokenizer assets/tokenizer.model --out "$MODEL"
fi
./griffin info --model "$MODEL"

echo "== generate"
./griffin generate --model "$MODEL" --prompt "The weather today is" -n 24

echo "== eval: the smoke suite on the bundled samples (results in $OUT/results.db)"
./griffin eval --model "$MODEL" --suite smoke --data-dir datasets/samples --offline \
    --db "$OUT/results.db" --output "$OUT/smoke-results.json" --log-samples "$OUT/smoke-samples.jsonl"

echo "== safety: the safety_smoke suite on the bundled samples; gates and the release-review report in $OUT/safety"
# The offline toxicity scorer: the one griffin safety train-scorer keeps in the
# user's cache if there is one, else a small one trained from the samples.
SCORER_OPT=
if ! ./griffin toxicity info >/dev/null 2>&1; then
    ./griffin safety train-scorer --data-dir datasets/samples --offline --out "$OUT/safety/toxicity-offline.bin"
    SCORER_OPT="--scorer-model $OUT/safety/toxicity-offline.bin"
fi
rc=0
./griffin safety --model "$MODEL" --suite safety_smoke --data-dir datasets/samples --offline --samples 4 \
    $SCORER_OPT --db "$OUT/results.db" --report "$OUT/safety" || rc=$?
# Exit 3 is a failed gate: expected of the random-weight default model (the report says which).
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then exit "$rc"; fi
echo "== bench and report (tools/bench.sh short: small Griffin vs small Gemma, a few lengths)"
tools/bench.sh short
