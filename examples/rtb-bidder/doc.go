// Command rtb-bidder shows that telemetry costs a bidder's hot path almost
// nothing and never stalls it, even while the telemetry server is down.
package main
