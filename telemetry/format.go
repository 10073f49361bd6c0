package telemetry

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"
)

// String describes c with its keys redacted to previews.
func (c Config) String() string {
	pk, sk := c.PublishableKey.Preview(), c.SecretKey.Preview()
	return fmt.Sprintf("telemetry.Config{PublishableKey:%s SecretKey:%s BaseURL:%s BatchSize:%d FlushInterval:%v "+
		"MaxQueueBytes:%d Overflow:%v SampleRate:%g MaxRetries:%d RetryBudget:%v RetryAfterCap:%v "+
		"RetryWaitMin:%v RetryWaitMax:%v RequestTimeout:%v RequestsPerMinute:%d InsecureHTTP:%t}",
		strconv.Quote(pk), strconv.Quote(sk), strconv.Quote(c.BaseURL), c.BatchSize, c.FlushInterval,
		c.MaxQueueBytes, c.Overflow, c.SampleRate, c.MaxRetries, c.RetryBudget, c.RetryAfterCap,
		c.RetryWaitMin, c.RetryWaitMax, c.RequestTimeout, c.RequestsPerMinute, c.InsecureHTTP)
}

// GoString is String: %#v never shows the keys either.
func (c Config) GoString() string { return c.String() }

// Format prints the redacted form for every verb.
func (c Config) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		io.WriteString(f, strconv.Quote(c.String()))
		return
	}
	io.WriteString(f, c.String())
}

// LogValue logs the redacted form.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// configData is what Config's encoders write: every setting, keys as
// previews, and neither the callbacks, the HTTP client nor the logger.
type configData struct {
	PublishableKey    Key
	SecretKey         Key
	BaseURL           string `json:",omitempty"`
	InsecureHTTP      bool   `json:",omitempty"`
	BatchSize         int    `json:",omitempty"`
	FlushInterval     time.Duration
	MaxQueueBytes     int `json:",omitempty"`
	Overflow          string
	SampleRate        float64 `json:",omitempty"`
	MaxRetries        int     `json:",omitempty"`
	RetryBudget       time.Duration
	RetryAfterCap     time.Duration
	RetryWaitMin      time.Duration
	RetryWaitMax      time.Duration
	RequestTimeout    time.Duration
	RequestsPerMinute int `json:",omitempty"`
}

func (c *Config) data() configData {
	return configData{
		c.PublishableKey, c.SecretKey, c.BaseURL, c.InsecureHTTP, c.BatchSize, c.FlushInterval,
		c.MaxQueueBytes, c.Overflow.String(), c.SampleRate, c.MaxRetries, c.RetryBudget,
		c.RetryAfterCap, c.RetryWaitMin, c.RetryWaitMax, c.RequestTimeout, c.RequestsPerMinute,
	}
}

// MarshalJSON encodes the settings with keys as previews. The callbacks,
// HTTPClient and Logger are left out (a func cannot be encoded, and
// json.Marshal of a struct holding a Config used to fail on them).
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.data()) }

// GobEncode encodes what MarshalJSON does, keys as previews. Config has no
// GobDecode: decoding one fails (a preview is not a key).
func (c Config) GobEncode() ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(c.data())
	return b.Bytes(), err
}

// String describes the emitter with its keys redacted.
func (e *Emitter) String() string {
	if e == nil {
		return "telemetry.Emitter(nil)"
	}
	s := "telemetry.Emitter{base: " + e.set.baseURL + ", key: " + e.set.pk.Preview()
	if !e.set.sk.IsZero() {
		s += ", signing: " + e.set.sk.Preview()
	}
	if e.closed.Load() {
		s += ", closed"
	}
	return s + "}"
}

// GoString is String.
func (e *Emitter) GoString() string { return e.String() }

// Format prints the redacted form for every verb.
func (e *Emitter) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		io.WriteString(f, strconv.Quote(e.String()))
		return
	}
	io.WriteString(f, e.String())
}

// LogValue logs the redacted form.
func (e *Emitter) LogValue() slog.Value { return slog.StringValue(e.String()) }
