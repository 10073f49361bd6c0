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
#   OLD=9f064ae bash bench/gates.sh   # also an older revision's Go gates in the
#                                     # same rounds, reported as BenchmarkOld*
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
if [ -n "${OLD:-}" ]; then
	git worktree add -q --detach "$tmp/old" "$OLD"
	trap 'git worktree remove --force "$tmp/old" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
	(cd "$tmp/old" && go test -c -o "$tmp/old.test" ./bench)
	cp -r bench/testdata/. "$tmp/old/bench/testdata/" # the same fixtures
fi
: >"$raw"
load_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
for r in $(seq 1 "$rounds"); do
	echo "== round $r/$rounds ($(uptime | sed 's/.*load/load/'))" | tee -a "$raw" >&2
	(cd bench && "$tmp/bench.test" -test.run '^$' -test.bench 'GateRTB|GateGeneric|GateLatency|NodeGates' \
		-test.benchmem -test.count 1 -test.timeout 30m) | tee -a "$raw" >&2
	(cd bench/peers && "$tmp/peers.test" -test.run '^$' -test.bench 'RTBParse' -test.benchmem -test.count 1) | tee -a "$raw" >&2
	if [ -n "${OLD:-}" ]; then
		(cd "$tmp/old/bench" && "$tmp/old.test" -test.run '^$' -test.bench 'GateRTB/(raw|views)$|GateGeneric' \
			-test.benchmem -test.count 1 -test.timeout 30m) | sed 's/^Benchmark/BenchmarkOld/' | tee -a "$raw" >&2
	fi
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
go run ./bench/cmd/benchtable -rounds -state "$rounds interleaved rounds; load average at the start $load_start, at the end $load_end" \
	-json bench/results/gates.json -md bench/results/gates.md "$raw"

# Same-round ratios: each round's Node (and older revision) figure over the
# Go gates' figure of that round, summarised as median [min-max] over the
# rounds; appended to gates.md.
ratios() { # name numerator denominator metric
	awk -v num="$2" -v den="$3" -v metric="$4" -v label="$1" '
		/^== round/ { r++ }
		$1 ~ /^Benchmark/ {
			name = $1; sub(/-[0-9]+$/, "", name)
			for (i = 3; i < NF; i++) if ($(i+1) == metric) v[name, r] = $i
		}
		END {
			n = 0
			for (k = 1; k <= r; k++) if (v[num, k] > 0 && v[den, k] > 0) x[++n] = v[num, k] / v[den, k]
			if (n == 0) exit
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
			med = (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
			printf "| %s | %s | %.2fx [%.2f-%.2f] | %d |\n", label, metric, med, x[1], x[n], n
		}' "$raw"
}
{
	echo
	echo "Same-round ratios (per interleaved round, then median [min-max] over the rounds; higher is better for Go):"
	echo
	echo "| ratio | metric | median [min-max] | rounds |"
	echo "|---|---|---:|---:|"
	for m in ns/op p50-ns p99-ns; do
		ratios "Node / Go, RTB gates from raw JSON" BenchmarkNodeGates/rtb-raw BenchmarkGateRTB/raw "$m"
		ratios "Node / Go, RTB gates from filled views" BenchmarkNodeGates/rtb-views BenchmarkGateRTB/views "$m"
		ratios "Node / Go, generic gates on 2 KB" BenchmarkNodeGates/generic-2k BenchmarkGateGeneric/decoded-2k "$m"
		if [ -n "${OLD:-}" ]; then
			ratios "$OLD / this tree, RTB raw" BenchmarkOldGateRTB/raw BenchmarkGateRTB/raw "$m"
			ratios "$OLD / this tree, RTB views" BenchmarkOldGateRTB/views BenchmarkGateRTB/views "$m"
			ratios "$OLD / this tree, generic 2 KB" BenchmarkOldGateGeneric/decoded-2k BenchmarkGateGeneric/decoded-2k "$m"
		fi
	done
	echo
	echo "Raw output: $raw. Load averages are in its round lines."
} | tee -a bench/results/gates.md
