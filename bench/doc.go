// Package bench holds end-to-end benchmarks of the pecta-go module: the
// telemetry pipeline from Track to a loopback pectatest server (throughput
// and CPU per delivered event against the cost floor of encoding, signing
// and posting a batch), Track latency percentiles while batches are sent and
// while the server is stalled or down, the same with a metrics reader
// polling the emitter at 10 Hz, memory during a long outage, and the
// overhead of pecta.Client over a bare net/http request.
//
// Everything is in _test.go files: the benchmarks run only with -bench, and
// the package's tests are quick smoke tests. The pectatest server runs in a
// child process (the test binary re-executed, see server_test.go) so that
// the CPU and memory this process reports are the client's alone.
//
// Run everything, with the peer comparison of bench/peers, with
//
//	bash bench/run.sh
//
// or just these with
//
//	go test ./bench -run '^$' -bench . -benchmem -count 10
package bench
