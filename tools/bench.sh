#!/bin/sh
# Throughput and memory of the small presets, Griffin against the Gemma
# baseline, into out/results.db, then the report in out/report/.
#
#   tools/bench.sh short    a few lengths, 3 repetitions (part of `make run`)
#   tools/bench.sh          the default sweep, 128 ... 8192 tokens (`make bench`)
#
# The models are random-weight checkpoints made on first use (speed and memory
# do not depend on the weights). The lengths pass the small preset's attention
# window (2048), where Griffin's state stops growing.
set -e
cd "$(dirname "$0")/.."
OUT=out
mkdir -p "$OUT"
for preset in small gemma-small; do
    dir=build/models/bench-$preset
    if [ ! -f "$dir/model.safetensors" ]; then
        echo "== creating $dir ($preset preset, bf16, seed 1)"
        ./griffin init-model --preset "$preset" --dtype bf16 --seed 1 --tokenizer assets/tokenizer.model --out "$dir"
    fi
done
set -- "${1:-default}"
MODELS="--model build/models/bench-small --label griffin-small --model build/models/bench-gemma-small --label gemma-small"
case "$1" in
short)
    echo "== bench: a short sweep into $OUT/results.db (griffin bench --help for more)"
    # shellcheck disable=SC2086
    ./griffin bench --roofline $MODELS --prompt-lens 128,512 --gen-lens 128,1024,4096 --batches 1,4 --reps 3 \
        --decode-steps 4 --mem-budget 1G --max-batch 8 --db "$OUT/results.db"
    ;;
default)
    echo "== bench: the default sweep into $OUT/results.db (this takes a while on 2 cores)"
    # shellcheck disable=SC2086
    ./griffin bench --roofline $MODELS --prompt-lens 128,512,2048 --gen-lens 128,512,2048,4096,8192 --batches 1,8 \
        --mem-budget 2G --max-batch 64 --db "$OUT/results.db"
    ;;
*)
    echo "usage: tools/bench.sh [short|default]" >&2
    exit 2
    ;;
esac
echo "== report: $OUT/report/index.html"
./griffin report --db "$OUT/results.db" --out "$OUT/report"
