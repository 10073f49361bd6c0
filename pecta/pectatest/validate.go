package pectatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/pecta-ai/pecta-go/pecta"
)

// object is a decoded JSON object whose values are kept raw, so each field can be checked
// for presence and type and named in the error.
type object map[string]json.RawMessage

// parseBody decodes a request body that must be one JSON object.
func parseBody(body []byte) (object, *apiError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errorf(http.StatusBadRequest, pecta.CodeBadJSON, "body: empty, want a JSON object")
	}
	if !json.Valid(body) {
		return nil, errorf(http.StatusBadRequest, pecta.CodeBadJSON, "body: not valid JSON")
	}
	return asObject(body, "body")
}

// asObject decodes raw as an object; path names it in errors.
func asObject(raw json.RawMessage, path string) (object, *apiError) {
	var o object
	if err := json.Unmarshal(raw, &o); err != nil || o == nil {
		return nil, validation(path + ": must be a JSON object")
	}
	return o, nil
}

// has reports whether key is present and not null.
func (o object) has(key string) bool {
	raw, ok := o[key]
	return ok && !isNull(raw)
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func field(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// str reads an optional string of at most maxLen characters ("" when absent or null). With
// minLen > 0 the field is required.
func (o object) str(path, key string, minLen, maxLen int) (string, *apiError) {
	name := field(path, key)
	if !o.has(key) {
		if minLen > 0 {
			return "", validation(fmt.Sprintf("%s: is required (1..%d characters)", name, maxLen))
		}
		return "", nil
	}
	var v string
	if err := json.Unmarshal(o[key], &v); err != nil {
		return "", validation(name + ": must be a string")
	}
	if n := utf8.RuneCountInString(v); n < minLen || n > maxLen {
		if minLen > 0 {
			return "", validation(fmt.Sprintf("%s: must be %d..%d characters", name, minLen, maxLen))
		}
		return "", validation(fmt.Sprintf("%s: must be at most %d characters", name, maxLen))
	}
	return v, nil
}

// num reads an optional number in [lo, hi]; present reports whether it was sent.
func (o object) num(path, key string, lo, hi float64) (v float64, present bool, e *apiError) {
	name := field(path, key)
	if !o.has(key) {
		return 0, false, nil
	}
	if err := json.Unmarshal(o[key], &v); err != nil || math.IsNaN(v) {
		return 0, true, validation(name + ": must be a number")
	}
	if v < lo || v > hi {
		if math.IsInf(hi, 1) {
			return 0, true, validation(fmt.Sprintf("%s: must be >= %g", name, lo))
		}
		return 0, true, validation(fmt.Sprintf("%s: must be between %g and %g", name, lo, hi))
	}
	return v, true, nil
}

// boolean reads an optional boolean; present reports whether it was sent.
func (o object) boolean(path, key string) (v bool, present bool, e *apiError) {
	if !o.has(key) {
		return false, false, nil
	}
	if err := json.Unmarshal(o[key], &v); err != nil {
		return false, true, validation(field(path, key) + ": must be a boolean")
	}
	return v, true, nil
}

// timestamp reads an optional RFC 3339 time, with or without fractional seconds.
func (o object) timestamp(path, key string) (time.Time, *apiError) {
	if !o.has(key) {
		return time.Time{}, nil
	}
	var s string
	if err := json.Unmarshal(o[key], &s); err != nil {
		return time.Time{}, validation(field(path, key) + ": must be an RFC 3339 timestamp string")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, validation(field(path, key) + ": must be an RFC 3339 timestamp")
	}
	return t.UTC(), nil
}

// array reads an optional JSON array.
func (o object) array(path, key string) ([]json.RawMessage, *apiError) {
	if !o.has(key) {
		return nil, nil
	}
	var v []json.RawMessage
	if err := json.Unmarshal(o[key], &v); err != nil {
		return nil, validation(field(path, key) + ": must be an array")
	}
	return v, nil
}
