#!/bin/sh
# tools/perf-bench.sh: the CPU speed table of docs/perf.md (`make bench` runs it).
#
#   tools/perf-bench.sh [OUT_DIR]
#
# Environment (defaults in brackets):
#   GRIFFIN   the binary [./griffin]
#   THREADS   threads [2]
#   MODELS    model dirs, measured round-robin in one run [build/models/2b
#             build/models/2b-int8 build/models/2b-int8e build/models/2b-q4 build/models/2b-q4e]
#   BASE      the bf16 model the others are compared with [first of MODELS]
#   TEXT      text for the quality comparison [README.md]
#   TOKENS    tokens of TEXT to score [2048]
#   PREFILL   prefill lengths [512,2048]
#   BATCHES   decode batch sizes [1,8,32]
#   REPS      repetitions per prefill point [3]
#   QUALITY   0: skip the quantization quality comparison [1]
#
# Creates what is missing first: `griffin init-model --preset 2b` for the bf16
# model (random weights, 5.4 GB) and `griffin quantize` for "-int8" (int8,
# bf16 embedding), "-int8e" (int8 embedding / output projection too), "-q4"
# and "-q4e". The models run round-robin, one repetition of each in turn, so
# a change in the machine's load hits them alike; every decode and prefill
# figure is printed next to the limit measured right before it (see
# `griffin roofline --help`). About 30 minutes on 2 cores.
set -eu
OUT=${1:-out/perf}
GRIFFIN=${GRIFFIN:-./griffin}
THREADS=${THREADS:-2}
MODELS=${MODELS:-"build/models/2b build/models/2b-int8 build/models/2b-int8e build/models/2b-q4 build/models/2b-q4e"}
BASE=${BASE:-$(echo "$MODELS" | awk '{print $1}')}
TEXT=${TEXT:-README.md}
TOKENS=${TOKENS:-2048}
PREFILL=${PREFILL:-512,2048}
BATCHES=${BATCHES:-1,8,32}
REPS=${REPS:-3}
QUALITY=${QUALITY:-1}
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

echo "== roofline and whole-model speed, round-robin: $MODELS" >&2
set --
for m in $MODELS; do set -- "$@" --model "$m"; done
"$GRIFFIN" roofline --threads "$THREADS" "$@" --batches "$BATCHES" --prefill-lens "$PREFILL" --steps 8 \
    --reps "$REPS" | tee "$OUT/speed.txt"
[ "$QUALITY" = 1 ] || exit 0
echo "== quantization quality against $BASE over $TOKENS tokens of $TEXT" >&2
: >"$OUT/quality.jsonl"
for m in $MODELS; do
    [ "$m" = "$BASE" ] && continue
    "$GRIFFIN" quantize --model "$BASE" --compare "$m" --text "$TEXT" --n-tokens "$TOKENS" --threads "$THREADS" \
        --json >>"$OUT/quality.jsonl"
done
printf '%-24s %-8s %10s %10s %8s %12s\n' model dtype "mean KL" "max KL" top-1 "mean |dlogit|"
awk -F'"' '{
    for (i = 1; i < NF; i++) {
        if ($i == "quantized") q = $(i + 2)
        if ($i == "dtype") d = $(i + 2)
    }
    kl = $0; sub(/.*"mean_kl": /, "", kl); sub(/,.*/, "", kl)
    mx = $0; sub(/.*"max_kl": /, "", mx); sub(/,.*/, "", mx)
    t1 = $0; sub(/.*"top1_agree": /, "", t1); sub(/,.*/, "", t1)
    dl = $0; sub(/.*"mean_abs_logit_diff": /, "", dl); sub(/,.*/, "", dl)
    printf "%-24s %-8s %10.3g %10.3g %7.2f%% %12.4f\n", q, d, kl, mx, 100 * t1, dl
}' "$OUT/quality.jsonl" | tee "$OUT/quality.txt"
