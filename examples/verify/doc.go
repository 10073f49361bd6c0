// Command verify shows telemetry.VerifyMiddleware checking X-Pecta-Signature
// on a receiver of ingest requests.
package main
