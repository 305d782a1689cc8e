#!/bin/bash
# Regenerates the corpus and trains assets/tokenizer.model (`make tokenizer`).
#
# Gemma's SentencePiece settings at a small size: BPE, pad=0 eos=1 bos=2
# unk=3, byte fallback, digits split, no dummy prefix, identity
# normalisation, whitespace kept (runs of spaces may form pieces), and "\n",
# "\n\n" and "\t" as atomic pieces as in Gemma's vocabulary (the trainer
# splits sentences at newlines and uses tab internally, so neither could be
# learned). Deterministic: one thread, every sentence loaded (no sampling,
# no shuffling), a fixed seed.
# Paths are relative to the repository root because the trainer records
# them in the model.
set -euo pipefail
cd "$(dirname "$0")/../.."

VOCAB=${VOCAB:-8192}
OUT=${OUT:-assets/tokenizer.model}
WORK=build/corpus
mkdir -p "$WORK" "$(dirname "$OUT")"

python3 tools/corpus/gen_corpus.py --out "$WORK/corpus.txt"
echo "corpus: $(wc -c < "$WORK/corpus.txt") bytes, sha256 $(sha256sum "$WORK/corpus.txt" | cut -c1-64)" >&2

spm_train \
  --input="$WORK/corpus.txt" --model_prefix="$WORK/tokenizer" \
  --model_type=bpe --vocab_size="$VOCAB" \
  --pad_id=0 --eos_id=1 --bos_id=2 --unk_id=3 \
  --pad_piece='<pad>' --eos_piece='<eos>' --bos_piece='<bos>' --unk_piece='<unk>' \
  --user_defined_symbols=$'\n,\n\n,\t' \
  --byte_fallback=true --split_digits=true --add_dummy_prefix=false \
  --normalization_rule_name=identity --remove_extra_whitespaces=false \
  --allow_whitespace_only_pieces=true --character_coverage=1.0 \
  --num_threads=1 --input_sentence_size=0 --shuffle_input_sentence=false \
  --random_seed=20240611 --minloglevel=1 \
  > "$WORK/spm_train.log" 2>&1 || { cat "$WORK/spm_train.log" >&2; exit 1; }

cp "$WORK/tokenizer.model" "$OUT"
echo "tokenizer: $OUT, $VOCAB pieces, sha256 $(sha256sum "$OUT" | cut -c1-64)" >&2
