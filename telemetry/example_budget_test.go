package telemetry_test

import (
	"fmt"

	"github.com/pecta-ai/pecta-go/telemetry"
)

// The default budget paces one process to the documented limit: at most
// a burst of 10, then 490 requests every 61 s, so that no rolling minute
// holds more than 500 requests; the adaptive sampler keeps what that
// carries. Not knowing its share of the limit, it slow-starts at 1/16 of
// that rate and doubles it every 20 s while the process has more to send.
// A process that knows its share starts at it.
func ExampleNewLocalBudget() {
	b := telemetry.NewLocalBudget(telemetry.DefaultRequestsPerMinute)
	st := b.State()
	fmt.Printf("%s budget: starts at %.2f requests/s, %.0f events/s\n", st.Name, st.Rate, st.Rate*100)
	share := telemetry.NewLocalBudgetAtShare(telemetry.DefaultRequestsPerMinute / 4)
	fmt.Printf("a quarter of the limit, known: %.2f requests/s at once\n", share.State().Rate)
	// Output:
	// local budget: starts at 0.50 requests/s, 50 events/s
	// a quarter of the limit, known: 2.02 requests/s at once
}
