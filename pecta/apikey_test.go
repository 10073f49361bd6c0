package pecta

import (
	"encoding"
	"encoding/json"
	"errors"
	"testing"
)

// APIKey's JSON used to round-trip into its preview: a "key" the server
// would reject. Decoding a preview now fails with ErrKeyPreview.
func TestAPIKeyRoundTripFailsLoudly(t *testing.T) {
	for _, raw := range []string{testPK, testSK} {
		k := APIKey(raw)
		b, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		var back APIKey
		if err := json.Unmarshal(b, &back); !errors.Is(err, ErrKeyPreview) || back != "" {
			t.Fatalf("JSON round trip = %v, key %q", err, string(back))
		}
		text, _ := k.MarshalText()
		if err := back.UnmarshalText(text); !errors.Is(err, ErrKeyPreview) {
			t.Fatalf("text round trip = %v", err)
		}
		// the full key decodes, from JSON and as a map value
		var m map[string]APIKey
		if err := json.Unmarshal([]byte(`{"k":"`+raw+`","none":null,"empty":""}`), &m); err != nil {
			t.Fatal(err)
		}
		if string(m["k"]) != raw || m["none"] != "" || m["empty"] != "" {
			t.Fatalf("decoded %q", m)
		}
	}
	var k APIKey
	for _, bad := range []string{`12`, `{}`, `"[invalid key]"`, `"sk_live_...abcd"`} {
		if err := json.Unmarshal([]byte(bad), &k); err == nil {
			t.Fatalf("%s decoded as a key", bad)
		}
	}
	var _ encoding.TextUnmarshaler = &k
	if !IsKeyPreview(APIKey(testPK).Preview()) || IsKeyPreview(testPK) {
		t.Fatal("IsKeyPreview")
	}
}
