// Package nexwaytest starts a fake Nexway Connect server on loopback for the
// tests of a storefront, and hands back a *nexway.Client pointed at it.
//
//	func TestCheckout(t *testing.T) {
//		srv := nexwaytest.NewServer(t)
//		order, err := srv.Client.Orders.Create(ctx, req)
//		...
//	}
//
// The fake speaks the same paths, JSON, validation and return codes as
// Nexway: stock levels, cross-sells, orders with license keys and download
// links, cancellation, download windows, subscriptions and their renewals,
// and the IAM token endpoint. It starts with a small default catalog (see
// DefaultCatalog) and a clock fixed at Start, which only moves when told
// (Advance), so results are reproducible.
//
// The methods of Server are the knobs:
//
//   - catalog: AddProducts, LoadCatalogJSON, SetCategories,
//     SetOperatingSystems;
//   - fulfillment: AddKeys and LoadKeysCSV fill a batch product's pool
//     (KeysLeft reads it); SetPublisher makes a product real-time, served by
//     a PublisherFunc, an HTTPPublisher (a publisher's licenses/new endpoint)
//     or GeneratedKeys;
//   - faults: InjectFault queues one for a route, SetFaultRate hits a share
//     of requests at random (seeded), ClearFaults stops them; RouteAny is
//     every /connect route, and the token routes are faulted by name;
//   - orders: HoldNext keeps the next orders pending (1060/1061) until
//     Release or Reject; Order and Orders read what the fake stored;
//   - clock: Now, Advance (renewals fall due as it passes expiry dates);
//   - requests: Requests (the latest 100,000, headers and bodies), Counts
//     (per route, all of them), ResetRequests.
package nexwaytest

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"golang.org/x/time/rate"
)

// Credentials the fake accepts and the client is given.
const (
	Secret       = "test-secret"
	Realm        = "nexwaytest"
	ClientSecret = "nexwaytest-client-secret"
)

// Start is the default time on the fake's clock: a fixed instant, so that
// download windows and expiry dates are the same on every run.
var Start = time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)

// Option configures a Server.
type Option func(*options)

type options struct {
	cfg       Config
	start     time.Time
	noCatalog bool
	noCreds   bool
	client    []nexway.Option
}

// WithSeed seeds the fake's random source (keys, tokens, random faults).
func WithSeed(seed int64) Option { return func(o *options) { o.cfg.Seed = seed } }

// WithStart sets the fake's clock to t instead of Start.
func WithStart(t time.Time) Option { return func(o *options) { o.start = t } }

// WithTokenLifetimes sets how long the fake's access and refresh tokens
// live on its clock (300 s and 1800 s by default).
func WithTokenLifetimes(access, refresh time.Duration) Option {
	return func(o *options) { o.cfg.AccessTTL, o.cfg.RefreshTTL = access, refresh }
}

// WithCancelPeriod makes the fake refuse to cancel an order older than d
// on its clock (code 1020). There is no limit by default.
func WithCancelPeriod(d time.Duration) Option { return func(o *options) { o.cfg.CancelPeriod = d } }

// WithRequirePrices makes the fake refuse order lines without amounts
// (code 1053), as Nexway does for some partners.
func WithRequirePrices() Option { return func(o *options) { o.cfg.RequirePrices = true } }

// WithoutCatalog starts the fake with no products, categories or keys.
func WithoutCatalog() Option { return func(o *options) { o.noCatalog = true } }

// WithoutCredentials runs the fake without IAM: it then requires no token,
// and the client sends the secret header alone.
func WithoutCredentials() Option { return func(o *options) { o.noCreds = true } }

// WithClientOptions adds options to the client, after the defaults, for
// instance a retry policy or a per-attempt timeout.
func WithClientOptions(opts ...nexway.Option) Option {
	return func(o *options) { o.client = append(o.client, opts...) }
}

// NewServer starts a fake Nexway for the test t and stops it when the test
// ends. It fails the test if the server cannot start.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := StartServer(opts...)
	if err != nil {
		t.Fatalf("nexwaytest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// StartServer starts a fake Nexway outside a test, for example programs.
// Call Close when done.
func StartServer(opts ...Option) (*Server, error) {
	o := options{start: Start, cfg: Config{Secrets: []string{Secret}, Realm: Realm, ClientSecret: ClientSecret}}
	for _, opt := range opts {
		opt(&o)
	}
	if o.noCreds {
		o.cfg.Realm, o.cfg.ClientSecret = "", ""
	}
	o.cfg.Clock = NewManualClock(o.start)
	s := New(o.cfg)
	if !o.noCatalog {
		if err := s.SeedDefaults(); err != nil {
			s.Close()
			return nil, err
		}
	}
	hs := httptest.NewServer(s)
	copts := []nexway.Option{
		nexway.WithBaseURL(hs.URL),
		nexway.WithSecret(Secret),
		nexway.WithRateLimit(rate.Inf, 0),
		nexway.WithRetryPolicy(nexway.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond, MaxRetryAfter: 5 * time.Second}),
	}
	if !o.noCreds {
		copts = append(copts, nexway.WithCredentials(Realm, ClientSecret))
	}
	c, err := nexway.NewClient(append(copts, o.client...)...)
	if err != nil {
		hs.Close()
		s.Close()
		return nil, fmt.Errorf("nexwaytest: client options: %w", err)
	}
	s.URL, s.Client, s.http = hs.URL, c, hs
	return s, nil
}
