package pecta

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUpdateFromFiles(t *testing.T) {
	dir := t.TempDir()
	pkFile, skFile := filepath.Join(dir, "api-key"), filepath.Join(dir, "secret-key")
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(pkFile, testPK+"\n") // as a secret volume mounts it
	write(skFile, "  "+testSK+"\r\n")

	var c Credentials
	if err := c.UpdateFromFiles(pkFile, skFile); err != nil {
		t.Fatal(err)
	}
	if a, s, g := c.Keys(); a != NewAPIKey(testPK) || s != NewAPIKey(testSK) || g != 1 {
		t.Fatalf("read %v, %v, %d", a, s, g)
	}
	// unchanged files: nothing changes, as on every tick of a poller
	if err := c.UpdateFromFiles(pkFile, skFile); err != nil {
		t.Fatal(err)
	}
	if _, _, g := c.Keys(); g != 1 {
		t.Errorf("generation %d after rereading unchanged files", g)
	}
	// rotated files
	write(pkFile, testPK2)
	write(skFile, testSK2)
	if err := c.UpdateFromFiles(pkFile, skFile); err != nil {
		t.Fatal(err)
	}
	if a, s, g := c.Keys(); a != NewAPIKey(testPK2) || s != NewAPIKey(testSK2) || g != 2 {
		t.Fatalf("after rotation: %v, %v, %d", a, s, g)
	}

	// failures leave the keys in force; errors show no file content
	bad := "pk_live_" + strings.Repeat("x", 31) + "!"
	write(filepath.Join(dir, "bad"), bad)
	write(filepath.Join(dir, "big"), strings.Repeat(testPK, 200))
	for _, tt := range []struct {
		name, pk, sk string
		check        func(error) bool
	}{
		{"missing file", filepath.Join(dir, "none"), skFile, func(err error) bool { return errors.Is(err, fs.ErrNotExist) }},
		{"missing secret file", pkFile, filepath.Join(dir, "none"), func(err error) bool { return errors.Is(err, fs.ErrNotExist) }},
		{"malformed key", filepath.Join(dir, "bad"), skFile, func(err error) bool { var ke *KeyError; return errors.As(err, &ke) }},
		{"too large", filepath.Join(dir, "big"), skFile, func(err error) bool { return err != nil }},
		{"directory", dir, skFile, func(err error) bool { return err != nil }},
		{"no secret file", pkFile, "", func(err error) bool { var ke *KeyError; return errors.As(err, &ke) }},
	} {
		err := c.UpdateFromFiles(tt.pk, tt.sk)
		if !tt.check(err) {
			t.Errorf("%s: err = %v", tt.name, err)
			continue
		}
		assertNoSecret(t, tt.name, err.Error(), append(secretTexts(testPK2, testSK2, testPK), bad[8:]))
		if a, s, g := c.Keys(); a != NewAPIKey(testPK2) || s != NewAPIKey(testSK2) || g != 2 {
			t.Errorf("%s: keys changed to %v, %v, %d", tt.name, a, s, g)
		}
	}
}
