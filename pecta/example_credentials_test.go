package pecta_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/pecta-ai/pecta-go/pecta"
	"github.com/pecta-ai/pecta-go/pecta/pectatest"
)

// A rotation without a restart: create new keys, hand them to the running
// client, revoke the old ones.
func ExampleCredentials() {
	srv := pectatest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	creds, err := pecta.NewCredentials(srv.PublishableKey, srv.SecretKey)
	if err != nil {
		panic(err)
	}
	c := srv.Client(pecta.WithCredentials(creds)) // pecta.NewClient("", pecta.WithCredentials(creds), ...)
	admin := srv.AdminClient()

	pk, err := admin.Keys.Create(ctx, pecta.KeyCreateParams{Name: "bidder 2026-06", Type: pecta.KeyTypePublishable})
	if err != nil {
		panic(err)
	}
	sk, err := admin.Keys.Create(ctx, pecta.KeyCreateParams{Name: "signing 2026-06", Type: pecta.KeyTypeSecret})
	if err != nil {
		panic(err)
	}
	// A bad key is refused, and the keys in force stay.
	fmt.Println(creds.Update(pecta.NewAPIKey("pk_live_typo"), sk.Secret))
	if err := creds.Update(pk.Secret, sk.Secret); err != nil {
		panic(err)
	}
	_, _, gen := creds.Keys()
	fmt.Println("generation", gen)

	// Revoke the old publishable key: the client already uses the new one.
	keys, err := admin.Keys.List(ctx)
	if err != nil {
		panic(err)
	}
	for _, k := range keys {
		if k.Preview == srv.PublishableKey.Preview() {
			if err := admin.Keys.Revoke(ctx, k.ID); err != nil {
				panic(err)
			}
		}
	}
	_, err = c.Ingest(ctx, []pecta.Event{{AgentID: "bidder-7", Passed: true}})
	fmt.Println("ingest:", err)
	_, err = srv.Client().Reputation(ctx, "bidder-7") // a client with the old key
	fmt.Println("old key revoked:", errors.Is(err, pecta.ErrAuthRevoked))
	// Output:
	// pecta: malformed api key: wrong length: want prefix plus 32 characters
	// generation 2
	// ingest: <nil>
	// old key revoked: true
}
