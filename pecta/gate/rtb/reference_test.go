package rtb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta/gate"
	"github.com/pecta-ai/pecta-go/pecta/gate/rtb"
)

// referenceTable is one RTB gate page of the public Pecta reference as a
// table of cases (testdata/reference/<gate>.json): each case is an
// example, rule or option of the page, or one of our documented choices
// ("from" starts with "choice"). Requests and responses are raw OpenRTB
// JSON, read with ParseRequest and ParseResponse.
type referenceTable struct {
	Source struct{ URL, Title string }
	Gate   string
	Note   string
	Cases  []referenceCase
}

type referenceCase struct {
	From        string
	Options     referenceOptions
	Request     json.RawMessage
	Response    json.RawMessage
	TmaxMS      float64  `json:"tmax_ms"`
	ElapsedMS   *float64 `json:"elapsed_ms"`
	Passed      bool
	Skipped     bool
	EndPipeline bool `json:"end_pipeline"`
	Reason      string
	ParseError  string `json:"parse_error"` // the field a ParseError names
}

// referenceOptions are the options of the reference, by their names there.
type referenceOptions struct {
	BufferMS            float64  `json:"bufferMs"`
	RequireAdomain      *bool    `json:"requireAdomain"`
	ExtraPlaceholders   []string `json:"extraPlaceholders"`
	MaxFloorMultiple    float64  `json:"maxFloorMultiple"`
	MaxPrice            float64  `json:"maxPrice"`
	UnsafeCategories    []string `json:"unsafeCategories"`
	ExtraBundleKeywords []string `json:"extraBundleKeywords"`
}

func (o referenceOptions) gate(t *testing.T, name string) gate.Gate {
	t.Helper()
	var g gate.Gate
	var err error
	switch name {
	case rtb.NameTmaxGuard:
		g, err = rtb.TmaxGuard(rtb.TmaxGuardOptions{BufferMS: o.BufferMS})
	case rtb.NameImpIDMatch:
		g = rtb.ImpIDMatch()
	case rtb.NameAdomainVerify:
		g, err = rtb.AdomainVerify(rtb.AdomainOptions{AllowMissing: o.RequireAdomain != nil && !*o.RequireAdomain, ExtraPlaceholders: o.ExtraPlaceholders})
	case rtb.NameBidSanity:
		g, err = rtb.BidSanity(rtb.BidSanityOptions{MaxFloorMultiple: o.MaxFloorMultiple, MaxPrice: o.MaxPrice})
	case rtb.NameAudienceSafety:
		g, err = rtb.AudienceSafety(rtb.AudienceSafetyOptions{UnsafeCategories: o.UnsafeCategories, ExtraBundleKeywords: o.ExtraBundleKeywords})
	case rtb.NameBcatCompliance:
		g = rtb.BcatCompliance()
	default:
		t.Fatalf("no gate %q", name)
	}
	require.NoError(t, err)
	return g
}

// TestReference runs every case of every RTB gate page on its gate, with
// the options the case names: verdict, skipped flag, end of pipeline and
// reason must be the page's (or our documented choice's).
func TestReference(t *testing.T) {
	files, err := filepath.Glob("testdata/reference/*.json")
	require.NoError(t, err)
	require.Len(t, files, 6, "one table per RTB gate")
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var tab referenceTable
		require.NoError(t, json.Unmarshal(b, &tab), f)
		require.True(t, strings.HasPrefix(tab.Source.URL, "https://docs.pecta.ai/gates/rtb/"), f)
		for i, c := range tab.Cases {
			n++
			t.Run(fmt.Sprintf("%s/%d %s", tab.Gate, i, c.From), func(t *testing.T) {
				var req rtb.Request
				var resp rtb.Response
				if c.Request == nil {
					c.Request = json.RawMessage(`{"id":"r","imp":[{"id":"1"}]}`)
				}
				if c.Response == nil {
					c.Response = json.RawMessage(`{"seatbid":[{"bid":[{"impid":"1","price":1,"adomain":["nike.com"]}]}]}`)
				}
				require.NoError(t, rtb.ParseRequest(c.Request, &req))
				err := rtb.ParseResponse(c.Response, &resp)
				if c.ParseError != "" {
					var pe *rtb.ParseError
					require.True(t, errors.As(err, &pe), "%v", err)
					require.Equal(t, c.ParseError, pe.Field)
					return
				}
				require.NoError(t, err)
				ev := &gate.Evaluation{AgentID: "a", Input: &req, Output: &resp, TmaxMS: c.TmaxMS}
				if c.ElapsedMS != nil {
					ev.StartedAt = time.Now().Add(-time.Duration(*c.ElapsedMS * float64(time.Millisecond)))
				}
				out := c.Options.gate(t, tab.Gate).Run(context.Background(), ev)
				require.Equal(t, c.Passed, out.Passed || out.Skipped, "%s: %s", tab.Source.URL, out.Reason)
				require.Equal(t, c.Skipped, out.Skipped)
				require.Equal(t, c.EndPipeline, out.EndPipeline)
				require.Equal(t, c.Reason, out.Reason)
			})
		}
	}
	t.Logf("%d reference cases", n)
}
