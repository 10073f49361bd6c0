package gate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// referenceTable is one gate page of the public Pecta reference, as a
// table of cases (testdata/reference/<gate>.json): each case is a
// pattern, example or "not flagged" example of the page, or one of our
// documented choices ("from" starts with "choice").
type referenceTable struct {
	Source struct{ URL, Title string }
	Gate   string
	Note   string
	Cases  []referenceCase
}

type referenceCase struct {
	From      string
	Output    json.RawMessage
	LatencyMS float64 `json:"latency_ms"`
	Passed    bool
	Skipped   bool
	Reason    string
}

func loadReference(t *testing.T, dir string) []referenceTable {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var tables []referenceTable
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var tab referenceTable
		require.NoError(t, json.Unmarshal(b, &tab), f)
		require.True(t, strings.HasPrefix(tab.Source.URL, "https://docs.pecta.ai/gates/"), f)
		require.NotEmpty(t, tab.Cases, f)
		tables = append(tables, tab)
	}
	return tables
}

func referenceGate(t *testing.T, name string) gate.Gate {
	t.Helper()
	switch name {
	case "content":
		g, err := gate.Content(gate.ContentOptions{})
		require.NoError(t, err)
		return g
	case "pii":
		return gate.PII(gate.PIIOptions{})
	case "filesystem":
		return gate.Filesystem(gate.FilesystemOptions{})
	case "latency":
		g, err := gate.Latency(gate.LatencyOptions{MaxMS: 100})
		require.NoError(t, err)
		return g
	case "schema":
		g, err := gate.Schema(gate.SchemaOptions{Validate: validateBidResponse})
		require.NoError(t, err)
		return g
	}
	t.Fatalf("no gate %q", name)
	return nil
}

// TestReference runs every case of every generic gate page, on the
// decoded output and on the same output as raw JSON: both must give the
// page's verdict, skipped flag and reason.
func TestReference(t *testing.T) {
	n := 0
	for _, tab := range loadReference(t, "testdata/reference") {
		g := referenceGate(t, tab.Gate)
		for i, c := range tab.Cases {
			n++
			t.Run(fmt.Sprintf("%s/%d %s", tab.Gate, i, c.From), func(t *testing.T) {
				var decoded any
				require.NoError(t, json.Unmarshal(c.Output, &decoded))
				outputs := []any{decoded}
				if tab.Gate != "schema" { // the validator takes decoded values
					outputs = append(outputs, c.Output)
				}
				for _, out := range outputs {
					res := g.Run(context.Background(), &gate.Evaluation{AgentID: "a", Output: out, LatencyMS: c.LatencyMS})
					require.Equal(t, c.Passed, res.Passed || res.Skipped, "%s (%T): %s", tab.Source.URL, out, res.Reason)
					require.Equal(t, c.Skipped, res.Skipped)
					require.Equal(t, c.Reason, res.Reason)
				}
			})
		}
	}
	t.Logf("%d reference cases", n)
}

// validateBidResponse is the page's BidResponseSchema written in Go, with
// Zod's messages: z.object({id: z.string(), seatbid: z.array(z.object({bid:
// z.array(z.object({id: z.string(), impid: z.string(), price:
// z.number().positive(), adm: z.string().optional()}))}))}).
func validateBidResponse(v any) error {
	var errs []error
	issue := func(path, msg string) { errs = append(errs, errors.New(path+": "+msg)) }
	str := func(m map[string]any, path, key string, optional bool) {
		switch x, ok := m[key]; {
		case !ok && optional:
		case !ok:
			issue(path+key, "Required")
		default:
			if _, isStr := x.(string); !isStr {
				issue(path+key, "Expected string, received "+jsType(x))
			}
		}
	}
	root, ok := v.(map[string]any)
	if !ok {
		return errors.New("Expected object, received " + jsType(v))
	}
	str(root, "", "id", false)
	seats, ok := root["seatbid"].([]any)
	if !ok {
		issue("seatbid", "Required")
		return errors.Join(errs...)
	}
	for i, s := range seats {
		seat, _ := s.(map[string]any)
		bids, _ := seat["bid"].([]any)
		for j, b := range bids {
			bid, _ := b.(map[string]any)
			p := fmt.Sprintf("seatbid.%d.bid.%d.", i, j)
			str(bid, p, "id", false)
			str(bid, p, "impid", false)
			switch price, ok := bid["price"].(float64); {
			case bid["price"] == nil:
				issue(p+"price", "Required")
			case !ok:
				issue(p+"price", "Expected number, received "+jsType(bid["price"]))
			case price <= 0:
				issue(p+"price", "Number must be greater than 0")
			}
			str(bid, p, "adm", true)
		}
	}
	return errors.Join(errs...)
}

func jsType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case float64:
		return "number"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []any:
		return "array"
	}
	return "object"
}
