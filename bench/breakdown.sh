#!/bin/bash
# Where Track's kept-path time goes: the shipped code against two test-only
# patches of it (never shipped), interleaved.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rev=$(git rev-parse --short HEAD)
tmp=$(mktemp -d)
for v in shipped nocopy reuse; do
  git worktree add -q --detach "$tmp/$v" HEAD
done
# nocopy: putRecord is not called; the record bytes are left as they are
python3 - "$tmp/nocopy/telemetry/track.go" <<'PY'
import sys; p=sys.argv[1]; s=open(p).read()
s=s.replace("rec, acc := putRecord(b.rec, size, ev, sec, nsec)","rec, acc := b.rec[:len(b.rec)+size], uint64(sec&0)+uint64(nsec&0)")
open(p,'w').write(s)
PY
# reuse: a full batch is emptied and reused in place instead of sealed (its
# buffer always in cache; nothing is delivered)
python3 - "$tmp/reuse/telemetry/emitter.go" <<'PY'
import sys; p=sys.argv[1]; s=open(p).read()
s=s.replace("""func (e *Emitter) seal(s *shard) {
	b := s.open""","""func (e *Emitter) seal(s *shard) {
	b := s.open
	if true {
		e.queued.Add(-b.bytes)
		s.accepted -= uint64(b.n)
		b.rec = b.rec[:0]
		b.n, b.bytes = 0, 0
		return
	}""")
open(p,'w').write(s)
PY
for v in shipped nocopy reuse; do (cd "$tmp/$v" && go test -c -o "$tmp/$v.test" ./telemetry); done
cat > "$tmp/zz_test.go" <<'GO'
package telemetry

import "testing"

func BenchmarkZPutRecord(b *testing.B) {
	ev := event("bench-agent", 1)
	buf := make([]byte, 0, 16<<10)
	size := recordSize(ev)
	for b.Loop() {
		if cap(buf)-len(buf) < size {
			buf = buf[:0]
		}
		buf, _ = putRecord(buf, size, ev, 1, 2)
	}
}

func BenchmarkZCheckedSize(b *testing.B) {
	ev := event("bench-agent", 1)
	for b.Loop() {
		if _, ok := checkedSize(ev); !ok {
			b.Fatal()
		}
	}
}
GO
cp "$tmp/zz_test.go" "$tmp/shipped/telemetry/" && (cd "$tmp/shipped" && go test -c -o "$tmp/parts.test" ./telemetry)
out=bench/results/raw/track-breakdown-$(date -u +%Y%m%dT%H%MZ).txt
{
echo "# Track kept path: where the time goes, at $rev. shipped = the code; nocopy = putRecord not called"
echo "# (the record's bytes are left unwritten); reuse = a full batch is emptied and reused in place instead"
echo "# of sealed (always in cache, nothing delivered). Both patches are test-only, never shipped; see"
echo "# bench/breakdown.sh, which made this file. ZPutRecord/ZCheckedSize: the record"
echo "# writer alone on a 16 KiB buffer in cache, and checkedSize alone, for the same 3-gate event."
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > $out
for r in 1 2 3 4 5 6; do
  for v in shipped nocopy reuse; do
    (cd telemetry && $tmp/$v.test -test.run '^$' -test.bench 'TrackHotPath$|TrackHotPathNoSampling$' -test.benchtime 0.5s) | grep ^Bench | sed "s/^/$v /" >> $out
  done
  (cd telemetry && $tmp/parts.test -test.run '^$' -test.bench 'ZPutRecord|ZCheckedSize' -test.benchtime 0.5s) | grep ^Bench | sed "s/^/parts /" >> $out
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >> $out
python3 - $out <<'PY' >> $out
import sys,collections,statistics
d=collections.defaultdict(list)
for l in open(sys.argv[1]):
    if l.startswith('#'): continue
    f=l.split(); d[(f[0],f[1])].append(float(f[3]))
print("# medians (ns/op) over 6 rounds")
for (v,n),x in sorted(d.items()): print(f"# {v:8s} {n:40s} {statistics.median(x):6.1f} [{min(x):.1f}-{max(x):.1f}]")
PY
for v in shipped nocopy reuse; do git worktree remove --force "$tmp/$v"; done
rm -rf $tmp
echo $out
