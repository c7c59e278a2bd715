#!/usr/bin/env bash
# Rebuilds test/fixtures/canary/ and test/fixtures/monitor/lab-formats/: a
# tiny llama (172k parameters, 250 steps of 16 documents) trained on 1,500
# documents of the lab corpus with 9 canaries planted, 3 each at 1, 10 and
# 100 copies; and the per-example losses of its first 40 steps as JSONL,
# TensorBoard event file, MLflow file-store run and CSV (lab/logs.py). A few
# minutes on one core.
#
#   bash lab/build-canary-fixtures.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-.lab/canary}
out=test/fixtures/canary
logs=test/fixtures/monitor/lab-formats
mkdir -p "$work" "$out" "$logs"
rm -rf "$work/tb" "$work/mlruns" "$work/tokenizer.json" "$work/planted.jsonl" "$work/canaries.json"
npm run build --silent
antidote() { node dist/src/cli/main.js "$@"; }

node dist/scripts/build-corpus.js "$work/all.jsonl" --size 21000 --per-source 2500 --seed 11
/usr/bin/python3 lab/split.py "$work/all.jsonl" "$work/clean.jsonl" "$work/held-out.jsonl"
head -1500 "$work/clean.jsonl" > "$work/base.jsonl"
antidote canary plant --into "$work/base.jsonl" --count 3 --copies 1,10,100 --out "$work/planted.jsonl" --canaries "$work/canaries.json" --seed 3
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 lab/train.py --corpus "$work/planted.jsonl" --tokenizer "$work/tokenizer.json" \
  --out "$out/canary.gguf" --name antidote-lab-canary --vocab 1024 --embd 64 --layers 2 --heads 2 --ff 192 --context 128 --steps 250 --threads 1 \
  --by-document --loss-log "$logs/loss.jsonl" --tensorboard "$work/tb" --mlflow "$work/mlruns" --csv "$logs/loss.csv" --log-steps 40 > "$work/train.log"
install -m 644 "$work/canaries.json" "$out/canaries.json"
rm -f "$logs"/events.out.tfevents.* && cp "$work"/tb/events.out.tfevents.* "$logs/"
tar -C "$work" --sort=name --mtime=2026-01-01 --owner=0 --group=0 --numeric-owner -czf "$logs/mlruns.tar.gz" mlruns
antidote audit --model "$out/canary.gguf" --canaries "$out/canaries.json" --threads 1 --canary-candidates 300
