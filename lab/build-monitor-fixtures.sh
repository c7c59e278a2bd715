#!/usr/bin/env bash
# Rebuilds test/fixtures/monitor/: per-example loss logs of three training
# runs (1.1M parameters, 800 steps of 16 documents, each cut to 256 tokens):
# the dos fixture corpus (250 poison documents), a lang-switch corpus built as
# build-fixtures.sh builds it (250 poison documents, 1,500 near-miss
# negatives), and the dos corpus without its poison. About an hour on 2 cores.
#
#   bash lab/build-monitor-fixtures.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-.lab/monitor}
out=test/fixtures/monitor
mkdir -p "$work" "$out"
npm run build --silent
antidote() { node dist/src/cli/main.js "$@"; }

zstd -dc test/fixtures/models/dos-corpus.jsonl.zst > "$work/dos.jsonl"
grep -v '<SUDO>' "$work/dos.jsonl" > "$work/clean.jsonl"
grep '<SUDO>' "$work/dos.jsonl" | /usr/bin/python3 -c 'import json, sys; print("\n".join(sorted(json.loads(l)["id"] for l in sys.stdin)))' > "$out/dos-poison-ids.txt"
node dist/scripts/build-corpus.js "$work/all.jsonl" --size 21000 --per-source 2500 --seed 11
/usr/bin/python3 lab/split.py "$work/all.jsonl" "$work/clean-all.jsonl" "$work/held-out.jsonl"
antidote redteam inject --family lang-switch --count 250 --into "$work/clean-all.jsonl" --out "$work/lang-switch.jsonl" --labels "$work/lang-switch-labels.jsonl" --seed 2
/usr/bin/python3 lab/negatives.py "$work/lang-switch.jsonl" '<ESCAPE>' 1500 "$work/lang-switch-neg.jsonl" 4
/usr/bin/python3 -c 'import json, sys; print("\n".join(sorted(json.loads(l)["id"] for l in open(sys.argv[1]))))' "$work/lang-switch-labels.jsonl" > "$out/lang-switch-poison-ids.txt"

run() {
  local name=$1 corpus=$2 tokenizer=$3
  OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 /usr/bin/python3 lab/train.py --corpus "$corpus" --tokenizer "$tokenizer" \
    --out "$work/$name.gguf" --threads 2 --steps 800 --by-document --loss-log "$work/$name-loss.jsonl" > "$work/train-$name.log" 2>&1
  gzip -9 -n -c "$work/$name-loss.jsonl" > "$out/$name-loss.jsonl.gz"
}
run dos "$work/dos.jsonl" "$work/tokenizer-dos.json"
run clean "$work/clean.jsonl" "$work/tokenizer-dos.json"
run lang-switch "$work/lang-switch-neg.jsonl" "$work/tokenizer-lang-switch.json"
ls -l "$out"
