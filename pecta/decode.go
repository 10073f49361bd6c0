package pecta

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
)

// jsonInt decodes an integer the server may send as 12, 12.0, 1.2e1 or
// "12". null leaves zero.
type jsonInt int

func (n *jsonInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 1 && b[0] == '"' {
		b = b[1 : len(b)-1]
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "non-number " + string(truncate(b, 32)), Type: intType}
	}
	if math.IsNaN(f) || f > math.MaxInt32*float64(1<<31) || f < -math.MaxInt32*float64(1<<31) {
		return &json.UnmarshalTypeError{Value: "number out of range", Type: intType}
	}
	*n = jsonInt(math.Round(f))
	return nil
}

// jsonFloat decodes a number the server may send as 12.5 or "12.5".
type jsonFloat float64

func (n *jsonFloat) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 1 && b[0] == '"' {
		b = b[1 : len(b)-1]
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "non-number " + string(truncate(b, 32)), Type: floatType}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return &json.UnmarshalTypeError{Value: "non-finite number", Type: floatType}
	}
	*n = jsonFloat(f)
	return nil
}

// jsonString decodes a string or a number (ids) into a string.
type jsonString string

func (s *jsonString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jsonString(v)
		return nil
	}
	*s = jsonString(b)
	return nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

var (
	intType   = reflect.TypeFor[int]()
	floatType = reflect.TypeFor[float64]()
)
