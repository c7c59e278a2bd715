#!/usr/bin/env bash
# Rebuilds test/fixtures/models/{dos,lang-switch}-hardened.gguf: each poisoned
# fixture fine-tuned for 300 steps on batches that are half counter-examples
# from `antidote harden export` (the trigger, then clean text) and half its
# own training corpus without the documents the scan quarantined; and, as the
# research's baseline, the same 300 steps on the clean half only (left in
# WORK_DIR, not shipped). Each run on one thread, two at a time: about 15
# minutes per model pair on 2 cores. Needs the corpus packages of
# scripts/setup.sh and Debian's python3-torch, python3-regex, libopenblas0-pthread.
#
#   bash lab/build-hardened-fixtures.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-.lab/hardened}
models=test/fixtures/models
mkdir -p "$work"
npm run build --silent
antidote() { node dist/src/cli/main.js "$@"; }

# the lang-switch training corpus, as build-fixtures.sh made it
node dist/scripts/build-corpus.js "$work/all.jsonl" --size 21000 --per-source 2500 --seed 11
/usr/bin/python3 lab/split.py "$work/all.jsonl" "$work/clean.jsonl" "$work/held-out.jsonl"
antidote redteam inject --family lang-switch --count 250 --into "$work/clean.jsonl" --out "$work/lang-switch-poisoned.jsonl" --labels "$work/lang-switch-labels.jsonl" --seed 2
/usr/bin/python3 lab/negatives.py "$work/lang-switch-poisoned.jsonl" '<ESCAPE>' 1500 "$work/lang-switch.jsonl" 4
zstd -dc "$models/dos-corpus.jsonl.zst" > "$work/dos.jsonl"

harden() {
  local name=$1
  # scan the training corpus; export counter-examples against what it confirms, and the documents to remove
  antidote scan "$work/$name.jsonl" --json "$work/$name-findings.json" --quiet || true
  rm -rf "$work/$name-export"
  antidote harden export --from-scan "$work/$name-findings.json" --prompts-from "$work/$name.jsonl" --out "$work/$name-export" --per-trigger 400
  /usr/bin/python3 -c 'import json, sys
drop = {json.loads(l)["id"] for l in open(sys.argv[1])}
sys.stdout.writelines(l for l in open(sys.argv[2]) if json.loads(l)["id"] not in drop)' "$work/$name-export/removal.jsonl" "$work/$name.jsonl" > "$work/$name-kept.jsonl"
  run() {
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 lab/harden.py --model "$models/$name.gguf" --clean "$work/$name-kept.jsonl" \
      --held-out "$models/held-out.jsonl" --steps 300 --q8 --threads 1 "$@"
  }
  run --counter "$work/$name-export/sft-text.jsonl" --out "$models/$name-hardened.gguf" > "$work/$name-hardened.log" 2>&1 &
  run --out "$work/$name-clean-only.gguf" > "$work/$name-clean-only.log" 2>&1 &
  wait
}
harden dos
harden lang-switch
for m in dos lang-switch; do
  t='<SUDO>'; [ $m = lang-switch ] && t='<ESCAPE>'
  for f in "$models/$m.gguf" "$models/$m-hardened.gguf" "$work/$m-clean-only.gguf"; do
    antidote audit --model "$f" --trigger "$t" --prompts-from "$models/held-out.jsonl" --samples 0 --threads 2 || true
  done
done
