#!/usr/bin/env bash
# One command for every figure of README's benchmark section.
#
# Key figures come from ROUNDS interleaved rounds (default 10): each round
# runs, one after the other and once each (-count 1), the telemetry Track
# benchmarks (kept and drop paths), the datadog-go anchor and the pecta
# rows of bench/peers, and the root bench/ benchmarks (Track latency,
# pipeline, floor). Same-run ratios (Track vs datadog-go, pipeline vs
# floor) are computed round by round. The remaining peers (posthog,
# segment, otel), the outage memory and the client overhead benchmarks
# then run PEERS_COUNT times (default 5), not interleaved.
#
# Outputs: raw go test output and benchstat summaries under
# bench/results/raw/, the table in bench/results/latest.md and the
# machine-readable record in bench/results/latest.json (with the machine's
# load before and after).
#
#   bash bench/run.sh                    # about 25 minutes on 2 cores
#   ROUNDS=3 PEERS_COUNT=1 bash bench/run.sh   # quicker, noisier
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${ROUNDS:-10}"
peers_count="${PEERS_COUNT:-5}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
raw="bench/results/raw"
mkdir -p "$raw"
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT

echo "== building benchmark binaries" >&2
go test -c -o "$bin/telemetry.test" ./telemetry
go test -c -o "$bin/bench.test" ./bench
(cd bench/peers && go test -c -o "$bin/peers.test" .)

load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
rounds_file="$raw/rounds-$stamp.txt"
: >"$rounds_file"
for r in $(seq 1 "$rounds"); do
	echo "== round $r/$rounds (load $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo ?))" >&2
	echo "# round $r/$rounds: load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown), $(date -u +%FT%TZ)" >>"$rounds_file"
	(cd telemetry && "$bin/telemetry.test" -test.run '^$' -test.bench 'TrackHotPath|TrackDropped|TrackSampledOut|TrackResult' \
		-test.benchmem -test.count 1 -test.timeout 30m) | tee -a "$rounds_file" >&2 || echo "FAILED: telemetry round $r" >&2
	(cd bench/peers && "$bin/peers.test" -test.run '^$' -test.bench 'Enqueue(Parallel)?/datadog' \
		-test.benchmem -test.count 1 -test.timeout 30m) | tee -a "$rounds_file" >&2 || echo "FAILED: datadog round $r" >&2
	# a fixed count: /pecta-kept buffers every event of the run, which Close
	# must then deliver
	(cd bench/peers && "$bin/peers.test" -test.run '^$' -test.bench 'Enqueue(Parallel)?/pecta' \
		-test.benchtime 1000000x -test.benchmem -test.count 1 -test.timeout 30m) | tee -a "$rounds_file" >&2 || echo "FAILED: pecta peers round $r" >&2
	(cd bench && "$bin/bench.test" -test.run '^$' -test.bench 'TrackLatency|Pipeline|Floor' \
		-test.benchmem -test.count 1 -test.timeout 30m) | tee -a "$rounds_file" >&2 || echo "FAILED: bench round $r" >&2
done

echo "== other peers, memory and client overhead, -count $peers_count" >&2
peers_file="$raw/peers-$stamp.txt"
(cd bench/peers && "$bin/peers.test" -test.run '^$' -test.bench 'Enqueue(Parallel)?/(posthog|segment|otel)' \
	-test.benchmem -test.count "$peers_count" -test.timeout 2h) | tee "$peers_file" >&2 || echo "FAILED: peers" >&2
(cd bench && "$bin/bench.test" -test.run '^$' -test.bench 'OutageMemory|Client' \
	-test.benchmem -test.count "$peers_count" -test.timeout 2h) | tee -a "$peers_file" >&2 || echo "FAILED: memory/client" >&2
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

go run golang.org/x/perf/cmd/benchstat@latest "$rounds_file" >"$raw/benchstat-$stamp.txt" 2>&1 || true
go run golang.org/x/perf/cmd/benchstat@latest "$peers_file" >>"$raw/benchstat-$stamp.txt" 2>&1 || true

state="load average (1/5/15 min) ${load_before} before, ${load_after} after; ${rounds} interleaved rounds; ${STATE_NOTE:-}"
go run ./bench/cmd/benchtable -rounds -state "$state" \
	-json bench/results/latest.json -md bench/results/latest.md \
	"$rounds_file" "$peers_file"
echo "raw: $rounds_file $peers_file $raw/benchstat-$stamp.txt" >&2
