module github.com/pecta-ai/pecta-go/telemetry/spool

go 1.25

require go.etcd.io/bbolt v1.4.3

require github.com/pecta-ai/pecta-go v0.1.0

require (
	github.com/cenkalti/backoff/v4 v4.3.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	golang.org/x/sys v0.30.0 // indirect
	golang.org/x/time v0.14.0 // indirect
)

replace github.com/pecta-ai/pecta-go => ../..
