// Command telemetry is the smallest complete use of the telemetry package:
// create a signing Emitter, Track events, Close it and check Stats.
package main
