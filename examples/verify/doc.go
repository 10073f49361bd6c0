// Command verify shows verify.Middleware checking X-Pecta-Signature
// on a receiver of ingest requests.
package main
