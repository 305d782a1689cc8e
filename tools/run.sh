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
