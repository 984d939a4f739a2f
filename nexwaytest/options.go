package nexwaytest

import (
	"time"

	"golang.org/x/time/rate"
)

// DefaultStartTime returns the time on a fake's clock when it starts,
// unless WithStartTime says otherwise: a fixed instant, 2026-01-05 09:00
// UTC, so that download windows and expiry dates are the same on every
// run. Server.Now reads the clock of a running fake.
func DefaultStartTime() time.Time { return time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC) }

// Option configures a Server started by NewServer or StartServer. An
// option refuses a value it cannot use with an *nexway.ArgumentError
// (nexway.ErrInvalidArgument) naming it, as the client's options do:
// StartServer returns the first such error, and NewServer fails the test
// with it.
type Option func(*config) error

// config is what the options set. Its zero value is a usable fake
// (newUnstarted fills in the defaults): secret "test-secret", no bearer
// required, the wall clock, seed 0. StartServer starts from the settings
// its Client is given instead.
type config struct {
	secrets        []string      // accepted `secret` header values; default {Secret}
	realm          string        // IAM realm; empty: no bearer required on /connect
	clientSecret   string        // IAM client secret for realm
	accessTTL      time.Duration // access-token lifetime; default 300 s
	refreshTTL     time.Duration // refresh-token lifetime; default 1800 s
	clock          clock         // default: the wall clock
	seed           int64         // PRNG seed for keys, tokens, UUIDs, random faults
	downloadWindow time.Duration // default 21 days, Nexway's
	cancelPeriod   time.Duration // how long after creation an order can be cancelled; 0: no limit
	requirePrices  bool          // create answers 1053 when a line has neither amountDutyFree nor amountTotal
	dialect        Dialect       // the shape of every answer (WithDialect)
	variants       bool          // a dialect drawn per answer (WithVariants)
	variantSeed    int64
	rateLimit      rate.Limit // Nexway's request limit per secret (WithEnforcedRateLimit); 0: none
	rateBurst      int
	logRequests    int // bounds of the request log (WithRequestLogLimit); ≤ 0: the default
	logBytes       int64
	orderRetention int          // orders kept (WithOrderRetention); ≤ 0: all
	feed           FeedSettings // the product feed (WithFeed)

	// Read by StartServer only.
	noCatalog bool          // start empty instead of with seedDefaults
	client    clientOptions // added to the Client's options, after the defaults

	startConfig // where and how it serves, and what Reset rebuilds from
}

// WithSeed seeds the fake's random source, from which it draws license
// keys, tokens, UUIDs and random faults (SetFaultRate): the same seed and
// the same requests give the same answers. The default seed is 0.
func WithSeed(seed int64) Option { return func(c *config) error { c.seed = seed; return nil } }

// WithStartTime sets the fake's clock to t instead of DefaultStartTime.
// The clock then moves only with Advance (or with real time too,
// WithRunningClock). It refuses the zero time, which is no date Nexway
// would answer.
func WithStartTime(t time.Time) Option {
	return func(c *config) error {
		if t.IsZero() {
			return refuse("WithStartTime", "needs a time, not the zero time")
		}
		c.clock = newManualClock(t)
		return nil
	}
}

// WithTokenLifetimes sets how long the fake's access and refresh tokens
// live on its clock: 300 s and 1800 s by default, and a value ≤ 0 keeps the
// default. Short lifetimes and Advance exercise the client's token refresh.
func WithTokenLifetimes(access, refresh time.Duration) Option {
	return func(c *config) error { c.accessTTL, c.refreshTTL = access, refresh; return nil }
}

// WithCancelPeriod makes the fake refuse to cancel an order older than d
// on its clock (code 1020). There is no limit by default, nor with d ≤ 0.
func WithCancelPeriod(d time.Duration) Option {
	return func(c *config) error { c.cancelPeriod = d; return nil }
}

// WithRequirePrices makes the fake refuse an order line that has neither
// amountDutyFree nor amountTotal (create code 1053), as Nexway does for the
// partners it configures so.
func WithRequirePrices() Option {
	return func(c *config) error { c.requirePrices = true; return nil }
}

// WithoutCatalog starts the fake with no products, categories, operating
// systems, keys or publishers, instead of DefaultCatalog and its keys.
func WithoutCatalog() Option { return func(c *config) error { c.noCatalog = true; return nil } }

// WithoutCredentials runs the fake without IAM: it then requires no bearer
// token on /connect routes (a token request naming any realm is granted),
// and the Client sends the secret header alone.
func WithoutCredentials() Option {
	return func(c *config) error { c.realm, c.clientSecret = "", ""; return nil }
}
