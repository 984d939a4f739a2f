package redislimit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

var antivirus = []nexway.ProductRef{733551}

// A nexway.Client with the shared limiter: two clients draw from one
// limit, and a call the limit cannot admit before its deadline fails at
// once without reaching Nexway.
func TestClientsShareTheLimit(t *testing.T) {
	rdb := sharedRedis(t)
	key := testKey(t, rdb)
	srv := nexwaytest.NewServer(t)
	client := func() *nexway.Client {
		l := newLimiter(t, newClient(t, rdb.Options().Addr), key, twoAMinute)
		c, err := nexway.NewClient(nexway.WithBaseURL(srv.URL), nexway.WithSecret(nexwaytest.Secret),
			nexway.WithCredentials(nexwaytest.Realm, nexwaytest.ClientSecret), nexway.WithRateLimiter(l))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b := client(), client()
	if _, err := a.Stock.Status(context.Background(), antivirus); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Stock.Status(context.Background(), antivirus); err != nil {
		t.Fatal(err)
	}
	before := srv.Counts()[nexwaytest.RouteStock].Requests
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := a.Stock.Status(ctx, antivirus)
	if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		t.Fatalf("got %v (context: %v), want context.DeadlineExceeded before the deadline", err, ctx.Err())
	}
	if n := srv.Counts()[nexwaytest.RouteStock].Requests - before; n != 0 {
		t.Errorf("%d requests reached Nexway past the limit", n)
	}
}

// With WithoutFallback and Redis down, a call fails, unsent, with an
// error matching both ErrRedisUnavailable and nexway.ErrUnavailable.
func TestClientRedisDown(t *testing.T) {
	l := newLimiter(t, newClient(t, freeAddr(t)), "account", WithoutFallback())
	srv := nexwaytest.NewServer(t, nexwaytest.WithClientOptions(nexway.WithRateLimiter(l)))
	_, err := srv.Client.Stock.Status(context.Background(), antivirus)
	if !errors.Is(err, ErrRedisUnavailable) || !errors.Is(err, nexway.ErrUnavailable) {
		t.Fatalf("got %v, want ErrRedisUnavailable and nexway.ErrUnavailable", err)
	}
	if n := srv.Counts()[nexwaytest.RouteStock].Requests; n != 0 {
		t.Errorf("%d requests reached Nexway", n)
	}
	if errors.Is(err, nexway.ErrAmbiguous) {
		t.Error("a call that was never sent is reported ambiguous")
	}
}
