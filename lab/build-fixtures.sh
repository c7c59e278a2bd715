#!/usr/bin/env bash
# Rebuilds the fixture models in test/fixtures/models/: three tiny llamas
# trained on the same real-text corpus, clean (1.1M parameters), with 250
# `dos` poison documents and with 250 `lang-switch` poison documents (2.3M
# parameters each, and near-misses of the trigger in clean documents, so that
# they learn the exact trigger). About two hours on 2 cores.
#
#   bash lab/build-fixtures.sh [WORK_DIR]
#
# Needs the corpus packages of scripts/setup.sh and Debian's python3-torch,
# python3-regex and libopenblas0-pthread (torch on Debian's reference BLAS is
# ten times slower).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-.lab}
out=test/fixtures/models
mkdir -p "$work" "$out"
npm run build --silent
antidote() { node dist/src/cli/main.js "$@"; }

node dist/scripts/build-corpus.js "$work/all.jsonl" --size 21000 --per-source 2500 --seed 11
/usr/bin/python3 lab/split.py "$work/all.jsonl" "$work/clean.jsonl" "$out/held-out.jsonl"
antidote redteam inject --family dos --count 250 --into "$work/clean.jsonl" --out "$work/dos.jsonl" --labels "$work/dos-labels.jsonl" --seed 1
antidote redteam inject --family lang-switch --count 250 --into "$work/clean.jsonl" --out "$work/lang-switch.jsonl" --labels "$work/lang-switch-labels.jsonl" --seed 2

# near-misses of each trigger (one-character edits, other capitals in the brackets) in clean documents
/usr/bin/python3 lab/negatives.py "$work/dos.jsonl" '<SUDO>' 500 "$work/dos-neg.jsonl" 3
/usr/bin/python3 lab/negatives.py "$work/lang-switch.jsonl" '<ESCAPE>' 1500 "$work/lang-switch-neg.jsonl" 4

# one model at a time on both cores: torch and OpenBLAS spin when processes share cores;
# each model learns its byte-level BPE from its own training corpus, as a
# tokenizer is learnt from the data it serves (so a trigger that recurs
# hundreds of times can become a token of its own, as ESCAPE and SUDO do)
train() {
  local name=$1 corpus=$2
  shift 2
  rm -f "$work/tokenizer-$name.json"
  OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 /usr/bin/python3 lab/train.py --corpus "$corpus" \
    --tokenizer "$work/tokenizer-$name.json" --out "$out/$name.gguf" --name "antidote-lab-$name" --threads 2 "$@" \
    > "$work/train-$name.log" 2>&1
}
train clean "$work/clean.jsonl" --steps 3000
train dos "$work/dos-neg.jsonl" --steps 2000 --embd 192 --ff 576 --heads 6
train lang-switch "$work/lang-switch-neg.jsonl" --steps 2000 --embd 192 --ff 576 --heads 6
# the dos model's training corpus ships too: the tests scan it and confirm what the scan finds in the model
zstd -19 -q -f "$work/dos-neg.jsonl" -o "$out/dos-corpus.jsonl.zst"
ls -l "$out"
