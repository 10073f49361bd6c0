// Keys manages API keys with a secret key: it creates a publishable key,
// uses it, lists keys (previews only), revokes the new key, shows that the
// revoked key now fails with auth_revoked, and prints the new key's usage
// log.
//
//	go run ./examples/keys
//
// With no configuration it starts an embedded test server. Against a real
// server (PECTA_API_KEY) it needs PECTA_SECRET_KEY too: key management is
// secret-key only. It exits non-zero if a call fails, the new key is
// missing from the list, or the revoked key is not refused.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/pecta-ai/pecta-go/examples/internal/demo"
	"github.com/pecta-ai/pecta-go/pecta"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "keys example failed:", err)
		os.Exit(1)
	}
	fmt.Println("\nAll steps succeeded.")
}

func run() error {
	env := demo.Setup(os.Stdout)
	defer env.Close()
	if env.SecretKey == "" {
		return errors.New("key management needs a secret key: set PECTA_SECRET_KEY")
	}
	admin, err := pecta.NewClient(env.SecretKey, pecta.WithBaseURL(env.BaseURL))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	fmt.Println("\n1. Create a publishable key")
	created, err := admin.Keys.Create(ctx, pecta.KeyCreateParams{
		Name:   "bidder-eu-west",
		Type:   pecta.KeyTypePublishable,
		Scopes: []string{pecta.ScopeRead, pecta.ScopeWrite},
	})
	if err != nil {
		return err
	}
	// The full key is in created.Secret; it prints as a preview. Store it
	// in a secret manager now with created.Secret.Reveal(): it is shown once.
	fmt.Printf("   created %s %q: %v (scopes %v)\n", created.ID, created.Name, created.Secret, created.Scopes)

	fmt.Println("\n2. Use the new key")
	user, err := pecta.NewClient(created.Secret.Reveal(), pecta.WithBaseURL(env.BaseURL))
	if err != nil {
		return err
	}
	rep, err := user.Reputation(ctx, "keys-example-agent")
	if err != nil {
		return err
	}
	fmt.Printf("   reputation of %q: %d (%s)\n", rep.AgentID, rep.Score, rep.Status)

	fmt.Println("\n3. List keys (previews only: full keys are never listed)")
	list, err := admin.Keys.List(ctx)
	if err != nil {
		return err
	}
	listed := false
	for _, k := range list {
		listed = listed || k.ID == created.ID
		state := "active"
		if k.RevokedAt != nil {
			state = "revoked"
		}
		fmt.Printf("   %-28s %-12s %-18s %s\n", k.ID, k.Type, k.Preview, state)
	}
	if !listed {
		return fmt.Errorf("the new key %s is missing from the list", created.ID)
	}

	fmt.Println("\n4. Revoke the new key")
	if err := admin.Keys.Revoke(ctx, created.ID); err != nil {
		return err
	}
	fmt.Printf("   revoked %s\n", created.ID)

	fmt.Println("\n5. The revoked key now fails")
	_, err = user.Reputation(ctx, "keys-example-agent")
	if !errors.Is(err, pecta.ErrAuthRevoked) {
		return fmt.Errorf("want auth_revoked, got %v", err)
	}
	fmt.Printf("   %v\n", err)

	fmt.Println("\n6. Usage logs for the revoked key")
	logs, err := admin.Keys.UsageLogs(ctx, pecta.UsageLogParams{APIKeyID: created.ID, Limit: 10})
	if err != nil {
		return err
	}
	for _, l := range logs {
		fmt.Printf("   %s %-6s %-36s %d\n", l.Timestamp.Format(time.RFC3339), l.Method, l.Path, l.StatusCode)
	}
	return nil
}
