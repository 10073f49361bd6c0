// Package depcheck holds no code: its test checks what the SDK's packages
// compile and download, so that a program pays only for the parts it
// imports. A program that imports only pecta compiles no Redis client, no
// bbolt, no gjson, no testify, no OpenTelemetry and no Prometheus client;
// one that imports telemetry compiles none of them either (the spool's
// bbolt store is the telemetry/spool module, the metrics adapters the
// telemetry/otelmetrics and telemetry/promcollector modules); internal/
// depends on nothing above it; and the root module's dependency graph
// holds no Redis client (those live in the telemetry/redisbudget and
// examples/fleet modules), no OpenTelemetry and no client_golang.
//
// Add a forbidden package to a program's list in depcheck_test.go; the
// test names, for each one found, the import chain that reaches it.
package depcheck
