package pecta

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// UpdateFromFiles reads the keys from files, as a secret store mounts
// them (a Kubernetes secret volume, a Vault agent), one key per file
// (secretKeyFile "" for none), and updates c as Update does. Unchanged keys
// change nothing, so it may be called on a timer; an unreadable file or a
// malformed key leaves the keys in force; errors name the file, never its
// content. docs/keys.md shows it on a timer.
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
