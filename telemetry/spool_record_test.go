package telemetry

import "testing"

func TestSpoolTruncatedRecordDetected(t *testing.T) {
	rec := appendSpoolRecord(nil, keyFingerprint(testPK, testSK), []byte(`{"events":[]}`), "sha256=00")
	for _, bad := range [][]byte{rec[:len(rec)-1], rec[:10], append(append([]byte(nil), rec...), 0)} {
		if _, _, _, err := parseSpoolRecord(bad); err == nil {
			t.Fatalf("record of %d bytes (of %d) accepted", len(bad), len(rec))
		}
	}
	if _, body, sig, err := parseSpoolRecord(rec); err != nil || string(body) != `{"events":[]}` || sig != "sha256=00" {
		t.Fatalf("intact record: %q %q %v", body, sig, err)
	}
}
