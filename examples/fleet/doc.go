// Command fleet runs a local fleet of bidder processes that share one
// organisation's ingest budget (500 requests per minute), and prints what
// the fleet offered, kept, delivered and dropped, the 429s, and each
// agent's pass rate as offered and as received.
package main
