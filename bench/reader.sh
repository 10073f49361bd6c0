#!/usr/bin/env bash
# What a metrics reader polling the emitter at 10 Hz costs Track's tail:
# BenchmarkTrackReader's variants (no reader, Emitter.Metrics, Emitter.Stats;
# paced and full-speed loads) in interleaved rounds, each round in a random
# order, with the machine's load, then the medians [min-max] of p99 and
# p99.9 per variant.
#
#   bash bench/reader.sh            # 8 rounds, about 6 minutes on 2 cores
#   ROUNDS=3 bash bench/reader.sh
#
# Output: bench/results/raw/metrics-reader-<stamp>.txt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${ROUNDS:-8}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/bench.test" ./bench
out="$root/bench/results/raw/metrics-reader-$(date -u +%Y%m%dT%H%MZ).txt"
{
	echo "# BenchmarkTrackReader, $rounds interleaved rounds, variants in a random order each round"
	echo "# $(go version); $(nproc) cores; commit $(git rev-parse --short HEAD)"
	echo "# sending: -test.benchtime 100000x; full: -test.benchtime 5000000x"
} >"$out"
cd bench
for r in $(seq 1 "$rounds"); do
	echo "## round $r $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out" >&2
	for v in $(printf '%s\n' sending/none sending/metrics sending/stats | shuf) \
		$(printf '%s\n' full/none full/metrics full/stats | shuf); do
		case $v in sending/*) n=100000x ;; *) n=5000000x ;; esac
		"$tmp/bench.test" -test.run '^$' -test.bench "^BenchmarkTrackReader/${v}\$" -test.benchtime "$n" \
			-test.benchmem | grep '^Benchmark' | tee -a "$out" >&2
	done
done
echo "## end $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out"
# medians [min-max] per variant
awk '/^BenchmarkTrackReader/ {
	v = $1; sub(/^BenchmarkTrackReader\//, "", v); sub(/-[0-9]+$/, "", v)
	for (i = 3; i < NF; i++) if ($(i+1) == "p99-ns" || $(i+1) == "p999-ns") print v, $(i+1), $i
}' "$out" | sort -k1,1 -k2,2 -k3,3g | awk '
	function flush() { if (n) printf "%-16s %-8s median %8.0f [%.0f-%.0f] (%d rounds)\n", key1, key2, (n % 2 ? x[(n+1)/2] : (x[n/2] + x[n/2+1]) / 2), x[1], x[n], n }
	{ if ($1 != key1 || $2 != key2) { flush(); key1 = $1; key2 = $2; n = 0 } x[++n] = $3 }
	END { flush() }' | tee -a "$out"
echo "raw: $out" >&2
