// Package peers puts the same logical event through the pecta emitter and the
// enqueue paths of the emitters users would pick instead (posthog-go,
// segment analytics-go v3, the OpenTelemetry batch span processor), in the
// same run on the same machine.
//
// It is a separate Go module so that the peer SDKs never enter the root
// go.mod. Every client is configured as its documentation recommends for
// production and pointed at a loopback sink (see newSink), so no benchmark
// pays for a real network.
//
// Run it with
//
//	cd bench/peers && go test -run '^$' -bench . -benchmem -count 10
//
// or, with the root module's end-to-end benchmarks and a Markdown table of
// medians, with bash bench/run.sh from the repository root.
package peers
