package pectatest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pecta-ai/pecta-go/pecta"
)

func TestClientAndAdminClient(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	ctx := context.Background()

	// Client: the publishable key, signing with the secret key
	c := srv.Client()
	_, err := c.Keys.List(ctx)
	require.True(t, errors.Is(err, pecta.ErrSecretKeyRequired), "err = %v", err)
	_, err = c.Ingest(ctx, []pecta.Event{{AgentID: "a", Passed: true}})
	require.NoError(t, err)
	last := srv.Requests()[len(srv.Requests())-1]
	require.True(t, last.SignatureValid)
	require.Equal(t, "Bearer "+srv.PublishableKey.Reveal(), last.Header.Get("Authorization"))

	// AdminClient: the secret key, for key management
	admin := srv.AdminClient()
	keys, err := admin.Keys.List(ctx)
	require.NoError(t, err)
	require.Len(t, keys, 2)
	created, err := admin.Keys.Create(ctx, pecta.KeyCreateParams{Name: "ci"})
	require.NoError(t, err)
	require.True(t, created.Secret.IsPublishable())
	last = srv.Requests()[len(srv.Requests())-1]
	require.Equal(t, "Bearer "+srv.SecretKey.Reveal(), last.Header.Get("Authorization"))

	// a key from CreateKey is an APIKey the SDK takes
	_, key := srv.CreateKey("direct", "secret", "read")
	direct, err := pecta.NewClient(key.Reveal(), pecta.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = direct.Keys.Create(ctx, pecta.KeyCreateParams{Name: "x"})
	require.True(t, errors.Is(err, pecta.ErrInsufficientScope), "err = %v", err)

	srv2 := NewServer(WithoutSecretKey())
	defer srv2.Close()
	require.True(t, srv2.SecretKey.IsZero())
	require.Panics(t, func() { srv2.AdminClient() })
}

// The provisioned keys print as previews, like every pecta.APIKey.
func TestServerKeysPrintRedacted(t *testing.T) {
	srv := NewServer()
	srv.Close() // %s prints nested values in full: the serving goroutines must be done
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(verb, srv)
		require.NotContains(t, s, srv.PublishableKey.Reveal()[8:], verb)
		require.NotContains(t, s, srv.SecretKey.Reveal()[8:], verb)
	}
}
