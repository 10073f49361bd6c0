package pecta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// decodeJSON decodes data, an answer of the API, into v, a pointer to a
// struct, as encoding/json would, with the tolerance the SDK promises where
// the reference is silent about shapes:
//
//   - int fields take any JSON number or a string holding one (12, 12.0,
//     1.2e1, "12"), rounded; NaN and values beyond ±2^62 are errors;
//   - float64 fields take a number or a string holding one; NaN and
//     infinities are errors;
//   - string fields take a number too, kept as written (ids);
//   - null leaves a field as it is, unknown fields are ignored, and names
//     match exactly (the API's are snake_case; encoding/json would also
//     accept other cases).
//
// Structs (embedded ones included), and slices of structs, are walked field
// by field by their json names; a json.Unmarshaler (time.Time, APIKey) and
// every other field (bool, pointers, []string ...) is decoded by
// encoding/json, and a type with a decodeAnswer method decodes itself. The public types therefore need
// no UnmarshalJSON of their own: encoding/json decodes them strictly.
func decodeJSON(data []byte, v any) error {
	return decodeValue(data, reflect.ValueOf(v).Elem())
}

// answerDecoder is a type that decodes its part of an answer itself.
type answerDecoder interface{ decodeAnswer(data []byte) error }

func decodeValue(data []byte, v reflect.Value) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" { // absent or null
		return nil
	}
	switch d := v.Addr().Interface().(type) {
	case answerDecoder:
		return d.decodeAnswer(data)
	case json.Unmarshaler: // time.Time, APIKey
		return d.UnmarshalJSON(data)
	}
	switch {
	case v.Kind() == reflect.Int:
		f, err := number(data)
		if err != nil {
			return err
		}
		if math.Abs(f) > 1<<62 {
			return fmt.Errorf("number %g out of range", f)
		}
		v.SetInt(int64(math.Round(f)))
		return nil
	case v.Kind() == reflect.Float64:
		f, err := number(data)
		if err != nil {
			return err
		}
		if math.IsInf(f, 0) {
			return fmt.Errorf("non-finite number")
		}
		v.SetFloat(f)
		return nil
	case v.Kind() == reflect.String && len(data) > 0 && data[0] != '"':
		if _, err := number(data); err != nil {
			return fmt.Errorf("want a string, got %s", truncate(data, 32))
		}
		v.SetString(string(data))
		return nil
	case v.Kind() == reflect.Struct:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(data, &obj); err != nil {
			return err
		}
		return decodeFields(obj, v)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return err
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, item := range items {
			if err := decodeValue(item, s.Index(i)); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		v.Set(s)
		return nil
	}
	return json.Unmarshal(data, v.Addr().Interface())
}

// decodeFields decodes the fields of struct v from obj by their json names.
func decodeFields(obj map[string]json.RawMessage, v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := decodeFields(obj, v.Field(i)); err != nil {
				return err
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		raw, ok := obj[name]
		if !ok {
			continue
		}
		if err := decodeValue(raw, v.Field(i)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// decodeFloat decodes an optional number of an answer (absent, null, a
// number or a string holding one) into dst.
func decodeFloat(data []byte, dst *float64) error {
	return decodeValue(data, reflect.ValueOf(dst).Elem())
}

// number reads a JSON number, or a JSON string holding one.
func number(data []byte) (float64, error) {
	s := data
	if len(s) > 1 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil || math.IsNaN(f) {
		return 0, fmt.Errorf("want a number, got %s", truncate(data, 32))
	}
	return f, nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
