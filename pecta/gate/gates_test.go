package gate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta/gate"
)

// run runs g alone on output and returns its outcome.
func run(g gate.Gate, output any) gate.Outcome {
	return g.Run(context.Background(), &gate.Evaluation{AgentID: "a", Output: output})
}

type gateCase struct {
	output any
	reason string // "" when the gate must pass
}

func check(t *testing.T, g gate.Gate, cases []gateCase) {
	t.Helper()
	for _, c := range cases {
		out := run(g, c.output)
		if c.reason == "" {
			require.True(t, out.Passed, "%s should pass %#v, failed: %s", g.Name(), c.output, out.Reason)
			continue
		}
		require.False(t, out.Passed, "%s should fail %#v", g.Name(), c.output)
		require.Equal(t, c.reason, out.Reason, "%#v", c.output)
	}
}

const (
	rm        = "destructive rm command"
	traversal = "path traversal (..)"
)

func TestFilesystemRM(t *testing.T) {
	g := gate.Filesystem(gate.FilesystemOptions{})
	require.Equal(t, "filesystem", g.Name())
	check(t, g, []gateCase{
		{"rm -rf build", rm},
		{"rm -fr build", rm},
		{"rm -Rf build", rm},
		{"rm -fR build", rm},
		{"rm -rfv build", rm},
		{"rm -vfr build", rm},
		{"rm -r -f build", rm},
		{"rm -f -R build", rm},
		{"rm --recursive --force build", rm},
		{"rm --force --recursive build", rm},
		{"rm -r --force build", rm},
		{"rm build -rf", rm},
		{"sudo rm -rf /tmp/x", rm},
		{"/bin/rm -rf x", rm},
		{"cd x && rm -rf .", rm},
		{"true;rm -rf x", rm},
		{"RUN echo hi | rm -rf x", rm},
		{"rm\t-rf x", rm},
		{"rm '-rf' x", rm},
		{[]any{"ok", map[string]any{"cmd": "rm -rf x"}}, rm},
		// near misses
		{"rm -r build", ""},
		{"rm -f file.txt", ""},
		{"rm file -v", ""},
		{"rm -- -rf", ""},                    // "-rf" is a file name after --
		{"rm -r x; ls -f", ""},               // the -f belongs to ls
		{"rmdir -rf x", ""},                  // not rm
		{"perform -rf", ""},                  // rm inside a word
		{"the firm -rf", ""},                 // rm inside a word
		{"alarm -rf", ""},                    // rm inside a word
		{"rm_rf is a function name", ""},     // no space after rm
		{"use -rf carefully", ""},            // flags without rm
		{"rm --recursive --verbose x", ""},   // no force
		{"rm --force-all x", ""},             // not --force
		{"the rm command removes files", ""}, // rm without flags
	})
}

func TestFilesystemTraversal(t *testing.T) {
	g := gate.Filesystem(gate.FilesystemOptions{})
	check(t, g, []gateCase{
		{"../secret", traversal},
		{"open ../../config", traversal},
		{`..\windows\system32`, traversal},
		{"a/b/../../c", traversal},
		{"cd /tmp/..", traversal},
		{"GET /static/..%2f..%2fconfig", traversal},
		{"GET /static/%2e%2e/config", traversal},
		{"GET /static/%2E%2E%2Fconfig", traversal},
		{"file='../x'", traversal},
		// near misses
		{"wait...", ""},
		{"for i in 1..10", ""},
		{"the range a..z", ""},
		{"Loading... done", ""},
		{"...and more", ""},
		{"x.. y", ""},
		{"version 1.2..3", ""},
	})
}

func TestFilesystemSensitivePaths(t *testing.T) {
	g := gate.Filesystem(gate.FilesystemOptions{})
	check(t, g, []gateCase{
		{"/etc", "sensitive path /etc"},
		{"cat /etc/passwd", "sensitive path /etc"},
		{"ls /usr/bin", "sensitive path /usr"},
		{"tail /var/log/syslog", "sensitive path /var"},
		{`{"path": "/etc/hosts"}`, "sensitive path /etc"},
		{"cat ~/.ssh/id_rsa", "sensitive path ~/.ssh"},
		{"cat ~/.aws/credentials", "sensitive path ~/.aws"},
		{"gpg --homedir ~/.gnupg", "sensitive path ~/.gnupg"},
		{"/home/alice/.ssh/authorized_keys", "sensitive path ~/.ssh"},
		{"/home/bob/.aws", "sensitive path ~/.aws"},
		{"/Users/carol/.gnupg/pubring.kbx", "sensitive path ~/.gnupg"},
		{"/root/.ssh/id_ed25519", "sensitive path ~/.ssh"},
		{"$HOME/.aws/config", "sensitive path ~/.aws"},
		{"${HOME}/.ssh", "sensitive path ~/.ssh"},
		{"path=/var/lib/db", "sensitive path /var"},
		{"(/usr/local)", "sensitive path /usr"},
		{map[string]string{"/etc/shadow": "key"}, "sensitive path /etc"}, // keys are scanned too
		// near misses
		{"/etcetera", ""},
		{"/users/list", ""},
		{"/variables", ""},
		{"/usr2/data", ""},
		{"conf/etc/app.yaml", ""},         // relative
		{"https://example.com/etc/x", ""}, // inside a URL path
		{"/home/alice/projects/etc", ""},
		{"/home/alice/.sshrc", ""},
		{"~/.ssh_backup_notes", ""},
		{"~/.awesome", ""},
		{"/home/alice/docs/.ssh-notes", ""},
		{"apples, pears, etc.", ""},
		{"/api/v1/various", ""},
	})
}

func TestFilesystemToggles(t *testing.T) {
	g := gate.Filesystem(gate.FilesystemOptions{Name: "fs", DisableDestructiveRM: true, DisableTraversal: true, DisableSensitivePaths: true})
	require.Equal(t, "fs", g.Name())
	check(t, g, []gateCase{{"rm -rf ../x /etc/passwd ~/.ssh", ""}})
	check(t, gate.Filesystem(gate.FilesystemOptions{DisableDestructiveRM: true}), []gateCase{{"rm -rf ../x", traversal}, {"rm -rf x", ""}})
	check(t, gate.Filesystem(gate.FilesystemOptions{DisableTraversal: true}), []gateCase{{"../etc", ""}, {"cat /etc/x", "sensitive path /etc"}})
	check(t, gate.Filesystem(gate.FilesystemOptions{DisableSensitivePaths: true}), []gateCase{{"/etc/passwd", ""}})
	// priority does not depend on map order: rm first, then traversal, then paths
	for range 20 {
		check(t, gate.Filesystem(gate.FilesystemOptions{}), []gateCase{
			{map[string]any{"a": "/etc/x", "b": "../y", "c": "rm -rf z", "d": "/var/q"}, rm},
			{map[string]any{"a": "/var/x", "b": "../y", "d": "~/.ssh"}, traversal},
			{map[string]any{"a": "/var/x", "b": "~/.ssh", "c": "/etc"}, "sensitive path /etc"},
		})
	}
}

const (
	email = "email address detected"
	ssn   = "US social security number detected"
	phone = "US phone number detected"
)

func TestPII(t *testing.T) {
	g := gate.PII(gate.PIIOptions{})
	require.Equal(t, "pii", g.Name())
	check(t, g, []gateCase{
		{"mail jane.doe@example.com today", email},
		{"<a.b+tag@mail.co.uk>", email},
		{"X@Y.IO", email},
		{"ssn 123-45-6789", ssn},
		{"123-45-6789", ssn},
		{"(123-45-6789)", ssn},
		{"call 555-123-4567", phone},
		{"call (555) 123-4567", phone},
		{"call (555)123-4567", ""}, // the expression wants a separator after the area code
		{"555.123.4567", phone},
		{"555 123 4567", phone},
		{"+1 555 123 4567", phone},
		{"+1-555-123-4567", phone},
		{"1-555-123-4567", phone},
		{"+15551234567 is not matched, but +1 (555) 123-4567 is", phone},
		{map[string]any{"contact": map[string]any{"phone": "212-555-0199"}}, phone},
		{[]string{"ok", "a@b.io"}, email},
		{struct{ Note string }{"ssn 078-05-1120"}, ssn},
		// near misses
		{"@handle on social", ""},
		{"user@localhost", ""},
		{"a@b.c", ""},
		{"foo@bar", ""},
		{"mail@.com", ""},
		{"date 2024-01-15", ""},
		{"123-45-67890", ""},
		{"0123-45-6789", ""},
		{"A123-45-6789", ""},
		{"123-45-6789-1", ssn}, // \b after the serial holds before '-'
		{"078-05-1120x", ""},
		{"_123-45-6789", ""},  // '_' is a word character: no \b
		{"id 5551234567", ""}, // a bare run of digits
		{"ts 1700000000", ""}, // a Unix time
		{"123-456-7890", ""},  // an area code starts with 2-9
		{"223-456-7890", phone},
		{"555-123-45678", ""},           // too many digits
		{"555-123.4567", phone},         // separators may differ
		{"ip 192.168.100.200", ""},      // an address
		{"version 2.345.678.9012a", ""}, // inside a word
		{"order #12345 shipped", ""},
	})
	// priority: email, then SSN, then phone, whatever the map order
	for range 20 {
		check(t, g, []gateCase{
			{map[string]any{"a": "555-123-4567", "b": "123-45-6789", "c": "x@y.io"}, email},
			{map[string]any{"a": "555-123-4567", "b": "123-45-6789"}, ssn},
		})
	}
	check(t, gate.PII(gate.PIIOptions{DisableEmail: true}), []gateCase{{"x@y.io", ""}, {"x@y.io 123-45-6789", ssn}})
	check(t, gate.PII(gate.PIIOptions{DisableSSN: true}), []gateCase{{"123-45-6789", ""}})
	check(t, gate.PII(gate.PIIOptions{DisablePhone: true}), []gateCase{{"555-123-4567", ""}})
}

const refusal = "refusal detected"

func TestContent(t *testing.T) {
	g, err := gate.Content(gate.ContentOptions{})
	require.NoError(t, err)
	require.Equal(t, "content", g.Name())
	var nilPtr *string
	var nilMap map[string]any
	cases := []gateCase{
		{nil, "empty output"},
		{"", "empty output"},
		{"   \n\t", "empty output"},
		{[]any{}, "empty output"},
		{map[string]any{}, "empty output"},
		{nilMap, "empty output"},
		{[]string{}, "empty output"},
		{nilPtr, "empty output"},
		{json.RawMessage("null"), "empty output"},
		{json.RawMessage(" [ ] "), "empty output"},
		{json.RawMessage("{}"), "empty output"},
		{json.RawMessage(`""`), "empty output"},
		{json.RawMessage(`"  "`), "empty output"},
		// near misses of empty
		{0, ""},
		{false, ""},
		{" x ", ""},
		{[]any{""}, ""},
		{json.RawMessage("0"), ""},
		{json.RawMessage(`[null]`), ""},
	}
	for _, p := range gate.DefaultRefusals {
		cases = append(cases, gateCase{"Sorry. " + strings.ToUpper(p[:1]) + p[1:] + " with that.", refusal})
	}
	cases = append(cases,
		gateCase{"I CAN'T HELP with that", refusal},
		gateCase{"I can\u2019t help with that", refusal}, // typographic apostrophe
		gateCase{"I\u2019m just an AI", refusal},
		gateCase{"As an AI language model, I ...", refusal},
		gateCase{map[string]any{"answer": []any{"i'm just an AI"}}, refusal},
		gateCase{`"I cannot assist"`, refusal},
		// near misses
		gateCase{"I can't help but notice the bug", ""},
		gateCase{"I can help with that", ""},
		gateCase{"Hi can't help", ""}, // no word boundary
		gateCase{"as an airline model", ""},
		gateCase{"I can't", ""},
		gateCase{"The AI language model answered", ""},
	)
	check(t, g, cases)

	extra, err := gate.Content(gate.ContentOptions{ExtraRefusals: []string{"  Not Allowed To Say "}})
	require.NoError(t, err)
	check(t, extra, []gateCase{{"I am NOT ALLOWED TO SAY", refusal}, {"allowed", ""}})
	onlyEmpty, err := gate.Content(gate.ContentOptions{DisableRefusal: true})
	require.NoError(t, err)
	check(t, onlyEmpty, []gateCase{{"I can't help", ""}, {"", "empty output"}})
	onlyRefusal, err := gate.Content(gate.ContentOptions{DisableEmpty: true})
	require.NoError(t, err)
	check(t, onlyRefusal, []gateCase{{"", ""}, {nil, ""}, {"I can't help", refusal}})
	_, err = gate.Content(gate.ContentOptions{ExtraRefusals: []string{" "}})
	require.Error(t, err)
}

func TestLatency(t *testing.T) {
	g, err := gate.Latency(gate.LatencyOptions{MaxMS: 100})
	require.NoError(t, err)
	require.Equal(t, "latency", g.Name())
	ctx := context.Background()
	out := g.Run(ctx, &gate.Evaluation{LatencyMS: 143})
	require.False(t, out.Passed)
	require.Equal(t, "latency 143ms exceeds 100ms threshold", out.Reason)
	out = g.Run(ctx, &gate.Evaluation{LatencyMS: 100.0004})
	require.Equal(t, "latency 100.0004ms exceeds 100ms threshold", out.Reason, "numbers as JavaScript writes them")
	require.True(t, g.Run(ctx, &gate.Evaluation{LatencyMS: 100}).Passed, "at the threshold passes")
	require.True(t, g.Run(ctx, &gate.Evaluation{LatencyMS: 0.5}).Passed)
	out = g.Run(ctx, &gate.Evaluation{})
	require.True(t, out.Passed)
	require.True(t, out.Skipped, "skipped when latency is absent")
	require.Equal(t, "no latency_ms provided", out.Reason)
	require.False(t, g.Run(ctx, &gate.Evaluation{LatencyMS: math.NaN()}).Passed)
	require.False(t, g.Run(ctx, &gate.Evaluation{LatencyMS: -1}).Passed)
	for _, bad := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		_, err := gate.Latency(gate.LatencyOptions{MaxMS: bad})
		require.Error(t, err, "%v", bad)
	}
	named, err := gate.Latency(gate.LatencyOptions{Name: "slow", MaxMS: 2.5})
	require.NoError(t, err)
	require.Equal(t, "slow", named.Name())
	require.Equal(t, "latency 2.75ms exceeds 2.5ms threshold", named.Run(ctx, &gate.Evaluation{LatencyMS: 2.75}).Reason)
}

type bid struct {
	Price float64
	Tags  []string
}

func validateBid(b bid) error {
	var errs []error
	if b.Price <= 0 {
		errs = append(errs, errors.New("price: must be positive"))
	}
	if len(b.Tags) == 0 {
		errs = append(errs, errors.New("tags: required"))
	}
	for i, tag := range b.Tags {
		if tag == "" {
			errs = append(errs, fmt.Errorf("tags[%d]: empty", i))
		}
	}
	return errors.Join(errs...)
}

func TestSchema(t *testing.T) {
	g, err := gate.Schema(gate.SchemaOptions{Validate: gate.ValidateAs(validateBid)})
	require.NoError(t, err)
	require.Equal(t, "schema", g.Name())
	require.True(t, run(g, bid{Price: 1, Tags: []string{"a"}}).Passed)

	out := run(g, bid{Price: -1})
	require.False(t, out.Passed)
	require.Equal(t, "schema validation failed (2 issues): price: must be positive", out.Reason)
	d := out.Details.(*gate.SchemaDetails)
	require.Equal(t, 2, d.Count)
	require.Equal(t, []string{"price: must be positive", "tags: required"}, d.Issues)

	out = run(g, bid{Price: 1, Tags: make([]string, 8)})
	d = out.Details.(*gate.SchemaDetails)
	require.Equal(t, 8, d.Count)
	require.Len(t, d.Issues, gate.MaxSchemaIssues, "up to 5 issues in details")
	require.Equal(t, "schema validation failed (8 issues): tags[0]: empty", out.Reason)

	out = run(g, "not a bid")
	require.Equal(t, "schema validation failed (1 issue): value is string, want gate_test.bid", out.Reason)
	require.Contains(t, out.Details.(*gate.SchemaDetails).Issues[0], "want gate_test.bid")

	in, err := gate.Schema(gate.SchemaOptions{Name: "input-schema", Target: gate.TargetInput, Validate: func(v any) error {
		if v == nil {
			return errors.New("input required")
		}
		return nil
	}})
	require.NoError(t, err)
	out = in.Run(context.Background(), &gate.Evaluation{Output: "x"})
	require.Equal(t, "schema validation failed (1 issue): input required", out.Reason)
	require.True(t, in.Run(context.Background(), &gate.Evaluation{Input: 1}).Passed)

	_, err = gate.Schema(gate.SchemaOptions{})
	require.Error(t, err)
	_, err = gate.Schema(gate.SchemaOptions{Validate: func(any) error { return nil }, Target: 7})
	require.Error(t, err)
}

func TestCloudGates(t *testing.T) {
	gs := gate.CloudGates()
	var names []string
	for _, g := range gs {
		names = append(names, g.Name())
	}
	require.Equal(t, []string{"filesystem", "pii", "content"}, names)
	_, err := gate.NewEngine(gs)
	require.NoError(t, err)
}

type nested struct {
	Name   string
	Inner  *nested
	List   []any
	M      map[int]string
	hidden string
}

func TestWalkShapes(t *testing.T) {
	g := gate.PII(gate.PIIOptions{})
	deep := &nested{Name: "x"}
	for i := 0; i < 10; i++ {
		deep = &nested{Inner: deep}
	}
	deep.Inner.Inner.Name = "x@y.io"
	s := "x@y.io"
	cyc := &nested{}
	cyc.Inner = cyc // a cycle ends at the depth limit
	check(t, g, []gateCase{
		{deep, email},
		{&s, email},
		{[]byte("x@y.io"), email},
		{json.RawMessage(`{"a":["x@y.io"]}`), email},
		{json.RawMessage(`{"a":"x\u0040y.io"}`), email},
		{nested{List: []any{1, 2.5, true, nil, []string{"x@y.io"}}}, email},
		{nested{M: map[int]string{1: "x@y.io"}}, email},
		{[2]string{"", "x@y.io"}, email},
		{nested{hidden: "x@y.io"}, ""}, // unexported fields are not read
		{cyc, ""},
		{42, ""},
		{json.Number("5551234567"), ""},
	})
}
