#!/bin/sh
# tools/perf-bench.sh: re-runnable measurements behind docs/perf.md.
#
#   tools/perf-bench.sh [OUT_DIR]
#
# Environment (defaults in brackets):
#   GRIFFIN   the binary [./griffin]
#   THREADS   threads [2]
#   MODELS    model dirs to measure, space-separated [models/2b models/2b-int8e models/2b-q4e]
#   BASE      the bf16 model the quantized ones are compared with [first of MODELS]
#   TEXT      text for the quality comparison [README.md]
#   TOKENS    tokens of TEXT to score [2048]
#   KERNELS   1: also time the matrix products on synthetic 2b weights [0]
#   PREFILL   prefill lengths [512,2048]
#   BATCHES   decode batch sizes [1,8,32]
#
# Creates what is missing first: `griffin init-model --preset 2b` for the bf16
# model and `griffin quantize` for the "-int8e" (int8 + int8 embedding),
# "-int8" (int8, bf16 embedding), "-q4e" and "-q4" ones. Every decode and
# prefill figure is printed next to the limit measured right before it (the
# machine may be shared); see `griffin roofline --help`.
set -eu
OUT=${1:-out/perf}
GRIFFIN=${GRIFFIN:-./griffin}
THREADS=${THREADS:-2}
MODELS=${MODELS:-"models/2b models/2b-int8e models/2b-q4e"}
BASE=${BASE:-$(echo "$MODELS" | awk '{print $1}')}
TEXT=${TEXT:-README.md}
TOKENS=${TOKENS:-2048}
KERNELS=${KERNELS:-0}
PREFILL=${PREFILL:-512,2048}
BATCHES=${BATCHES:-1,8,32}
mkdir -p "$OUT"

make_model() {
    dir=$1
    [ -f "$dir/model.safetensors" ] && return 0
    case "$dir" in
    *-int8e) "$GRIFFIN" quantize --model "$BASE" --to int8 --embed --out "$dir" --threads "$THREADS" ;;
    *-int8) "$GRIFFIN" quantize --model "$BASE" --to int8 --out "$dir" --threads "$THREADS" ;;
    *-q4e) "$GRIFFIN" quantize --model "$BASE" --to q4 --embed --out "$dir" --threads "$THREADS" ;;
    *-q4) "$GRIFFIN" quantize --model "$BASE" --to q4 --out "$dir" --threads "$THREADS" ;;
    *) "$GRIFFIN" init-model --preset 2b --dtype bf16 --out "$dir" --threads "$THREADS" ;;
    esac
}

make_model "$BASE"
for m in $MODELS; do make_model "$m"; done

echo "== roofline" >&2
"$GRIFFIN" roofline --threads "$THREADS" --json | tee "$OUT/roofline.json"
if [ "$KERNELS" = 1 ]; then
    echo "== matrix products, synthetic 2b weights" >&2
    "$GRIFFIN" roofline --threads "$THREADS" --kernels --preset 2b --dtype bf16,int8,q4 \
        --batches "$BATCHES" --prefill-lens "$PREFILL" --reps 3 | tee "$OUT/kernels.txt"
fi
for m in $MODELS; do
    name=$(basename "$m")
    echo "== whole model: $m" >&2
    "$GRIFFIN" roofline --threads "$THREADS" --model "$m" --batches "$BATCHES" --prefill-lens "$PREFILL" \
        --steps 8 --reps 3 | tee "$OUT/model-$name.txt"
done
for m in $MODELS; do
    [ "$m" = "$BASE" ] && continue
    echo "== quality: $m against $BASE" >&2
    "$GRIFFIN" quantize --model "$BASE" --compare "$m" --text "$TEXT" --n-tokens "$TOKENS" --threads "$THREADS" \
        --json | tee -a "$OUT/quality.jsonl"
done
