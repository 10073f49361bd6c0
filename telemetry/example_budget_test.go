package telemetry_test

import (
	"fmt"

	"github.com/pecta-ai/pecta-go/telemetry"
)

// The default budget paces one process to the documented limit: a burst
// of 10, then 490 requests every 61 s, so that no rolling minute holds
// more than 500 requests; the adaptive sampler keeps what that carries.
func ExampleNewLocalBudget() {
	b := telemetry.NewLocalBudget(telemetry.DefaultRequestsPerMinute)
	st := b.State()
	fmt.Printf("%s budget: %.2f requests/s, %.0f events/s\n", st.Name, st.Rate, st.Rate*100)
	// Output: local budget: 8.03 requests/s, 803 events/s
}
