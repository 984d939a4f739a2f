package nexwaytest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

var ctx = context.Background()

// One line starts the server, and it is gone once the test ends.
func TestNewServerStopsAtCleanup(t *testing.T) {
	t.Parallel()
	var url string
	t.Run("storefront", func(t *testing.T) {
		srv := nexwaytest.NewServer(t)
		url = srv.URL
		st, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551})
		if err != nil || st.Products[0].Level != nexway.InStock {
			t.Fatalf("stock = %+v, %v", st, err)
		}
		counts := srv.Counts()
		if counts[nexwaytest.RouteToken].Requests != 1 || counts[nexwaytest.RouteStock].Requests != 1 {
			t.Errorf("counts = %v, want one token and one stock request", counts)
		}
	})
	resp, err := http.Get(url + "/connect/catalog/oslist")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("server still answers after its test ended: %s", resp.Status)
	}
}

func TestServerOptions(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, time.March, 1, 12, 0, 0, 0, time.UTC)
	srv := nexwaytest.NewServer(t, nexwaytest.WithoutCatalog(), nexwaytest.WithoutCredentials(), nexwaytest.WithStartTime(start))
	if !srv.Now().Equal(start) {
		t.Errorf("clock at %v, want %v", srv.Now(), start)
	}
	st, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551})
	if err != nil || st.Products[0].ResponseCode == 0 {
		t.Errorf("without a catalog, 733551 = %+v, %v; want an unknown product", st, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests logged, want the stock request alone", len(reqs))
	}
	for _, r := range reqs {
		if r.Route == nexwaytest.RouteToken || r.Header.Get("Authorization") != "" {
			t.Errorf("without credentials the client asked for or sent a token: %s %s", r.Method, r.Path)
		}
		if r.Header.Get("secret") != nexwaytest.Secret {
			t.Errorf("secret header = %q", r.Header.Get("secret"))
		}
	}
}

func TestStartServerRejectsBadClientOptions(t *testing.T) {
	srv, err := nexwaytest.StartServer(nexwaytest.WithClientOptions(nexway.WithTimeout(-time.Second)))
	if err == nil {
		srv.Close()
		t.Fatal("a negative timeout was accepted")
	}
	if !errors.Is(err, nexway.ErrInvalidArgument) {
		t.Errorf("err = %v, want ErrInvalidArgument", err)
	}
}

func TestCloseTwice(t *testing.T) {
	t.Parallel()
	srv, err := nexwaytest.StartServer()
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	srv.Close()
	if _, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551}); err == nil {
		t.Error("a closed server answered")
	}
}
