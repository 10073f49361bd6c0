#!/usr/bin/env bash
# Runs the end-to-end benchmarks of the root module (bench/) and the peer
# comparison (bench/peers, a separate module), keeps the raw output under
# bench/results/raw/, and prints a Markdown table of medians, also written to
# bench/results/latest.md and, with machine info, bench/results/latest.json.
#
#   bash bench/run.sh                 # -count 10 (about 20 minutes on 2 cores)
#   COUNT=3 bash bench/run.sh         # quicker, noisier
#   BENCH='Pipeline|Floor' PEERS_BENCH=. bash bench/run.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
count="${COUNT:-10}"
bench="${BENCH:-.}"
peers_bench="${PEERS_BENCH:-.}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
raw="bench/results/raw"
mkdir -p "$raw"

echo "== bench (root module), -count $count" >&2
go test ./bench -run '^$' -bench "$bench" -benchmem -count "$count" -timeout 2h \
	| tee "$raw/bench-$stamp.txt" >&2

echo "== bench/peers, -count $count" >&2
(cd bench/peers && go test -run '^$' -bench "$peers_bench" -benchmem -count "$count" -timeout 2h) \
	| tee "$raw/peers-$stamp.txt" >&2

go run ./bench/cmd/benchtable \
	-json bench/results/latest.json -md bench/results/latest.md \
	"$raw/peers-$stamp.txt" "$raw/bench-$stamp.txt"
