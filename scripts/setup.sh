#!/usr/bin/env bash
# Install what Antidote needs on a fresh Debian machine: npm packages, and the
# Debian packages whose real text the tests and benchmarks read (the
# handbook, in 26 languages, is the benchmark's multilingual corpus), plus
# zstd, which the tests use to write .zst files, postgresql, whose server
# the ledger tests start, and Slurm (with munge) and Redis, which the
# scale-out tests start as a one-node cluster and a queue, and chromium,
# which the review server's browser tests drive.
set -euo pipefail
cd "$(dirname "$0")/.."
DEBIAN_PACKAGES=(zstd postgresql chromium fonts-dejavu-core slurmctld slurmd slurm-client munge redis-server fortunes fortunes-de fortunes-es fortunes-it dict-gcide python3.11-doc manpages-de manpages-fr debian-handbook)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install these Debian packages: ${missing[*]}" >&2
  fi
fi
npm install --no-audit --no-fund --loglevel=error
npm run build --silent
