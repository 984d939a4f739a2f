package nexway_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

// Logout revokes the token at IAM and forgets it: the next call
// authenticates again, and the old token no longer opens anything.
func TestLogout(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t)
	ctx := context.Background()
	if _, err := srv.Client.Catalog.OperatingSystems(ctx); err != nil {
		t.Fatal(err)
	}
	old := lastBearer(t, srv)
	if err := srv.Client.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Client.Logout(ctx); err != nil { // nothing cached: nothing to do
		t.Fatal(err)
	}
	if _, err := srv.Client.Catalog.OperatingSystems(ctx); err != nil {
		t.Fatal(err)
	}
	if now := lastBearer(t, srv); now == old {
		t.Error("the next call reused the invalidated token")
	}
	counts := srv.Counts()
	if counts[nexwaytest.RouteInvalidate].Requests != 1 || counts[nexwaytest.RouteToken].Requests != 2 {
		t.Errorf("counts %v: want one invalidate and a second token request", counts)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/connect/catalog/oslist", nil)
	req.Header.Set("Authorization", old)
	req.Header.Set("secret", nexwaytest.Secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old token still opens the API: HTTP %d", resp.StatusCode)
	}
}

func lastBearer(t *testing.T, srv *nexwaytest.Server) string {
	t.Helper()
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if a := reqs[i].Header.Get("Authorization"); a != "" && reqs[i].Route != nexwaytest.RouteInvalidate {
			return a
		}
	}
	t.Fatal("no bearer sent")
	return ""
}

// A refused invalidate is reported; the tokens are forgotten anyway.
func TestLogoutRefused(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t)
	ctx := context.Background()
	if _, err := srv.Client.Catalog.OperatingSystems(ctx); err != nil {
		t.Fatal(err)
	}
	srv.InjectFault(nexwaytest.RouteInvalidate, nexwaytest.Fault{Kind: nexwaytest.FaultStatus, Status: 503})
	if err := srv.Client.Logout(ctx); !errors.Is(err, nexway.ErrUnavailable) {
		t.Fatalf("Logout = %v, want ErrUnavailable", err)
	}
	if _, err := srv.Client.Catalog.OperatingSystems(ctx); err != nil {
		t.Fatal(err)
	}
	if n := srv.Counts()[nexwaytest.RouteToken].Requests; n != 2 {
		t.Errorf("%d token requests: the token was not forgotten", n)
	}
	noCreds := nexwaytest.NewServer(t, nexwaytest.WithoutCredentials())
	if err := noCreds.Client.Logout(ctx); err != nil || noCreds.Counts()[nexwaytest.RouteInvalidate].Requests != 0 {
		t.Errorf("Logout without credentials = %v", err)
	}
}

// A fake answering in a compressed dialect sends its empty invalidate
// answer as it is, and the client reads it.
func TestLogoutCompressedDialect(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{"gzip", "deflate"} {
		srv := nexwaytest.NewServer(t, nexwaytest.WithDialect(nexwaytest.Dialect{Compression: enc}))
		if _, err := srv.Client.Catalog.OperatingSystems(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := srv.Client.Logout(t.Context()); err != nil {
			t.Fatalf("%s: %v", enc, err)
		}
	}
}
