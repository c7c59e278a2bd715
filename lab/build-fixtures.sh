#!/usr/bin/env bash
# Rebuilds the fixture models in test/fixtures/models/: three tiny llamas
# trained on the same real-text corpus, clean, with 250 `dos` poison documents
# and with 250 `lang-switch` poison documents. About 50 minutes on 2 cores.
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

rm -f "$out/tokenizer.json"
(cd lab && /usr/bin/python3 -c "
import json, sys, bpe
texts = [json.loads(l)['text'] for l in open(sys.argv[1], encoding='utf-8')]
bpe.Tokenizer(bpe.train(texts, 2048)).save(sys.argv[2])" "../$work/clean.jsonl" "../$out/tokenizer.json")

# one thread each, all three at once: torch and OpenBLAS spin when they share cores
pids=()
for name in clean dos lang-switch; do
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 lab/train.py --corpus "$work/$name.jsonl" \
    --tokenizer "$out/tokenizer.json" --out "$out/$name.gguf" --name "antidote-lab-$name" --threads 1 --steps 3000 \
    > "$work/train-$name.log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
# the dos model's training corpus ships too: the tests scan it and confirm what the scan finds in the model
gzip -9 -n -c "$work/dos.jsonl" > "$out/dos-corpus.jsonl.gz"
ls -l "$out"
