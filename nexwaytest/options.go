package nexwaytest

import (
	"time"

	"golang.org/x/time/rate"
)

// Start is the default time on the fake's clock: a fixed instant, so that
// download windows and expiry dates are the same on every run.
var Start = time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)

// Option configures a Server started by NewServer or StartServer.
type Option func(*config)

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
	rateLimit      rate.Limit // Nexway's request limit per secret (WithRateLimit); 0: none
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
func WithSeed(seed int64) Option { return func(c *config) { c.seed = seed } }

// WithStart sets the fake's clock to t instead of Start. The clock then
// moves only with Advance.
func WithStart(t time.Time) Option { return func(c *config) { c.clock = newManualClock(t) } }

// WithTokenLifetimes sets how long the fake's access and refresh tokens
// live on its clock: 300 s and 1800 s by default, and a value ≤ 0 keeps the
// default. Short lifetimes and Advance exercise the client's token refresh.
func WithTokenLifetimes(access, refresh time.Duration) Option {
	return func(c *config) { c.accessTTL, c.refreshTTL = access, refresh }
}

// WithCancelPeriod makes the fake refuse to cancel an order older than d
// on its clock (code 1020). There is no limit by default, nor with d ≤ 0.
func WithCancelPeriod(d time.Duration) Option { return func(c *config) { c.cancelPeriod = d } }

// WithRequirePrices makes the fake refuse an order line that has neither
// amountDutyFree nor amountTotal (create code 1053), as Nexway does for the
// partners it configures so.
func WithRequirePrices() Option { return func(c *config) { c.requirePrices = true } }

// WithoutCatalog starts the fake with no products, categories, operating
// systems, keys or publishers, instead of DefaultCatalog and its keys.
func WithoutCatalog() Option { return func(c *config) { c.noCatalog = true } }

// WithoutCredentials runs the fake without IAM: it then requires no bearer
// token on /connect routes (a token request naming any realm is granted),
// and the Client sends the secret header alone.
func WithoutCredentials() Option {
	return func(c *config) { c.realm, c.clientSecret = "", "" }
}
