module github.com/pecta-ai/pecta-go/telemetry/redisbudget

go 1.25

require (
	github.com/go-redis/redis_rate/v10 v10.0.1
	github.com/pecta-ai/pecta-go v0.1.0
	github.com/redis/go-redis/v9 v9.22.0
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
	golang.org/x/time v0.14.0
)

require (
	github.com/cenkalti/backoff/v4 v4.3.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	go.uber.org/atomic v1.11.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sys v0.30.0 // indirect
)

// Local development and CI build against the root module of this checkout.
// A user's build ignores this line and uses the root's release of the same
// version (see doc.go).
replace github.com/pecta-ai/pecta-go => ../..
