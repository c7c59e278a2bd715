#!/usr/bin/env bash
# Starts the review server on a recorded scan of the example corpus. The first
# run makes a ledger in .antidote-review/: the corpus as dataset example@1, its
# scan with the report attached, the lab's clean model recorded as trained on
# it, and an admin user whose token it prints. Later runs reuse it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/src/cli/main.js ] || npm run build --silent
DIR=.antidote-review
STORE=(--store "$DIR/ledger.sqlite")
antidote() { node dist/src/cli/main.js "$@"; }
if [ ! -f "$DIR/ledger.sqlite" ]; then
  antidote ledger init --origin example.antidote/ledger "${STORE[@]}"
  antidote ledger add examples/corpus.jsonl.gz --dataset example "${STORE[@]}"
  # exit 1 means incidents were found, which is the point here
  antidote scan examples/corpus.jsonl.gz --json "$DIR/findings.json" --record "${STORE[@]}" --quiet || [ $? -eq 1 ]
  antidote incident attach "$DIR/findings.json" "${STORE[@]}"
  antidote ledger add-model test/fixtures/models/clean.gguf --name example-model --trained-on example@1 "${STORE[@]}"
  antidote server user admin --role admin "${STORE[@]}" > "$DIR/admin.token"
fi
echo "sign in at http://127.0.0.1:${PORT:-8740}/ with the admin token: $(cat "$DIR/admin.token")"
exec node dist/src/cli/main.js server "${STORE[@]}" --port "${PORT:-8740}" --config antidote.yaml
