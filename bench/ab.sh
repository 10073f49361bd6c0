#!/usr/bin/env bash
# A/B of two revisions on the same machine, in interleaved rounds: the
# telemetry Track and TrackResult benchmarks (kept, no sampling, sampled out, refused;
# serial and parallel) and the Track latency while sending. Each round runs
# the old and the new binaries once each, one after the other, so both see
# the same machine state; benchstat compares them.
#
#   bash bench/ab.sh OLD_REV [NEW_REV]     # NEW_REV defaults to the working tree
#   ROUNDS=8 bash bench/ab.sh e0024bb
#
# Output: bench/results/raw/ab-<old>-<new>-<stamp>.txt (raw go test output,
# each line prefixed by the side) and the benchstat summary after it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
old="${1:?usage: bench/ab.sh OLD_REV [NEW_REV]}"
new="${2:-}"
rounds="${ROUNDS:-8}"
tmp="$(mktemp -d)"
trap 'git worktree remove --force "$tmp/old" >/dev/null 2>&1 || true; git worktree remove --force "$tmp/new" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
build() { # rev dir -> binaries in $tmp/$2
	local src="$root"
	if [ -n "$1" ]; then
		git worktree add -q --detach "$tmp/$2" "$1"
		src="$tmp/$2"
	fi
	mkdir -p "$tmp/bin-$2"
	(cd "$src" && go test -c -o "$tmp/bin-$2/telemetry.test" ./telemetry && go test -c -o "$tmp/bin-$2/bench.test" ./bench)
}
build "$old" old
build "$new" new
newname="${new:-worktree}"
stamp="$(date -u +%Y%m%dT%H%MZ)"
out="bench/results/raw/ab-${old}-${newname}-${stamp}.txt"
{
	echo "# bench/ab.sh $old ${new:-(working tree at $(git rev-parse --short HEAD))}, $rounds interleaved rounds, $(date -u +%FT%TZ)"
	echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
} >"$out"
for r in $(seq 1 "$rounds"); do
	echo "== round $r/$rounds" >&2
	for side in old new; do
		(cd telemetry && "$tmp/bin-$side/telemetry.test" -test.run '^$' -test.benchmem -test.count 1 \
			-test.bench 'TrackHotPath$|TrackHotPathParallel$|TrackHotPathNoSampling$|TrackHotPathNoSamplingParallel$|TrackSampledOut$|TrackSampledOutParallel$|TrackDropped$|TrackDroppedParallel$|TrackResultHotPath$|TrackResultSampledOut$') |
			grep '^Benchmark' | sed "s/^/$side /" >>"$out"
		(cd bench && "$tmp/bin-$side/bench.test" -test.run '^$' -test.benchmem -test.count 1 \
			-test.bench 'TrackLatency/(sending|slow)' -test.benchtime 50000x) |
			grep '^Benchmark' | sed "s/^/$side /" >>"$out"
	done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)" >>"$out"
grep '^old ' "$out" | cut -d' ' -f2- >"$tmp/old.txt"
grep '^new ' "$out" | cut -d' ' -f2- >"$tmp/new.txt"
{
	echo
	echo "# benchstat old new"
	go run golang.org/x/perf/cmd/benchstat@latest "$tmp/old.txt" "$tmp/new.txt" 2>&1
} >>"$out"
echo "$out"
