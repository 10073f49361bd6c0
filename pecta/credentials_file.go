package pecta

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// UpdateFromFiles reads the keys from files, as a secret store mounts
// them (a Kubernetes secret volume, a Vault agent): the API key from
// apiKeyFile and, unless secretKeyFile is "", the secret key from
// secretKeyFile, one key per file, surrounding white space ignored. It
// then updates c with them as Update does: keys that did not change
// change nothing, not even the generation, so it may be called on a
// timer; a malformed key or an unreadable file leaves the keys in force.
// A zero Credentials may be filled this way. Errors name the file, never
// its content.
//
//	creds := new(pecta.Credentials)
//	if err := creds.UpdateFromFiles("/var/run/secrets/pecta/api-key", "/var/run/secrets/pecta/secret-key"); err != nil { ... }
//	go func() {
//		for range time.Tick(time.Minute) { // or on a file-change notification
//			if err := creds.UpdateFromFiles(...); err != nil {
//				log.Error("pecta keys not reloaded", "error", err)
//			}
//		}
//	}()
//
// The two files are read one after the other: when a store replaces both,
// a read between the two writes sees one new key and one old one, both
// still live during a rotation, and the next read sees both new.
func (c *Credentials) UpdateFromFiles(apiKeyFile, secretKeyFile string) error {
	apiKey, err := readKeyFile(apiKeyFile)
	if err != nil {
		return err
	}
	var secretKey APIKey
	if secretKeyFile != "" {
		if secretKey, err = readKeyFile(secretKeyFile); err != nil {
			return err
		}
	}
	if err := c.Update(apiKey, secretKey); err != nil {
		return &opError{op: "keys from " + keyFiles(apiKeyFile, secretKeyFile), err: err}
	}
	return nil
}

// maxKeyFile bounds what is read of a key file: a key is 40 bytes.
const maxKeyFile = 4 << 10

// readKeyFile reads one key from a file. Errors never contain the content.
func readKeyFile(name string) (APIKey, error) {
	f, err := os.Open(name)
	if err != nil {
		return APIKey{}, fmt.Errorf("pecta: reading key: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return APIKey{}, fmt.Errorf("pecta: reading key from %s: %w", name, err)
	}
	if len(b) > maxKeyFile {
		return APIKey{}, fmt.Errorf("pecta: key file %s is larger than %d bytes", name, maxKeyFile)
	}
	return NewAPIKey(strings.TrimSpace(string(b))), nil
}

func keyFiles(apiKeyFile, secretKeyFile string) string {
	if secretKeyFile == "" {
		return apiKeyFile
	}
	return apiKeyFile + " and " + secretKeyFile
}
