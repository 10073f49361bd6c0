#!/usr/bin/env bash
# Runs the gate benchmarks in interleaved rounds, so that on a shared
# machine every alternative sees the same load: each round runs, once each,
# the Go gates (BenchmarkGateRTB, BenchmarkGateGeneric), their latency
# distribution (BenchmarkGateLatency), the Node equivalent (BenchmarkNodeGates)
# and the JSON readers weighed for the RTB views (bench/peers
# BenchmarkRTBParse). Raw output goes to bench/results/raw/gates-<stamp>.txt,
# the medians over the rounds to stdout (Markdown) and to
# bench/results/gates.json and gates.md.
#
#   bash bench/gates.sh            # 10 rounds (about 10 minutes on 2 cores)
#   ROUNDS=3 bash bench/gates.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${ROUNDS:-10}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
raw="bench/results/raw/gates-$stamp.txt"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p bench/results/raw

go test -c -o "$tmp/bench.test" ./bench
(cd bench/peers && go test -c -o "$tmp/peers.test" .)
: >"$raw"
for r in $(seq 1 "$rounds"); do
	echo "== round $r/$rounds ($(uptime | sed 's/.*load/load/'))" >&2
	(cd bench && "$tmp/bench.test" -test.run '^$' -test.bench 'GateRTB|GateGeneric|GateLatency|NodeGates' \
		-test.benchmem -test.count 1 -test.timeout 30m) | tee -a "$raw" >&2
	(cd bench/peers && "$tmp/peers.test" -test.run '^$' -test.bench 'RTBParse' -test.benchmem -test.count 1) | tee -a "$raw" >&2
done
go run ./bench/cmd/benchtable -json bench/results/gates.json -md bench/results/gates.md "$raw"
