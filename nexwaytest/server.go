package nexwaytest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"golang.org/x/time/rate"
)

// Credentials the fake accepts and its Client is given.
const (
	// Secret is the `secret` header value the fake accepts: Nexway's
	// per-territory access secret.
	Secret = "test-secret"
	// Realm is the IAM realm whose tokens the fake accepts, unless started
	// WithoutCredentials.
	Realm = "nexwaytest"
	// ClientSecret is the IAM client secret of Realm.
	ClientSecret = "nexwaytest-client-secret"
)

// Server is a fake Nexway Connect listening on a loopback port (or the
// address given WithAddr), with a Client for it. NewServer or StartServer starts one, and Close stops it.
//
// Its methods are the knobs a test turns: they seed the catalog and the key
// pools, choose how keys are issued, inject faults, hold orders pending,
// move the clock, and read back the orders and the requests received. They
// may be called while the fake serves requests. A Server is an
// http.Handler (ServeHTTP) and is safe for concurrent use: one mutex guards
// its store, and it is never held across a publisher call or an injected
// latency.
type Server struct {
	// URL is the fake's base URL, such as http://127.0.0.1:41234 (on
	// loopback, unless WithAddr names another host), with no trailing slash: the URL to give a
	// client of one's own (nexway.WithBaseURL).
	URL string
	// Client calls the fake. It has the fake's secret and credentials (or
	// the secret alone, WithoutCredentials), no rate limit, and up to 3
	// retries that wait 1 to 10 ms instead of seconds, and at most 5 s for
	// a Retry-After; WithClientOptions adds to these. Its Feed downloads
	// the fake's product feed, served on the same host at
	// nexway.FeedPathV24. Close releases its connections.
	Client *nexway.Client

	httpServer *httptest.Server // nil until started
	admin      http.Handler     // the admin API; nil unless WithAdminAPI

	cfg    config
	mux    *http.ServeMux
	ctx    context.Context // cancelled by Close; used for publisher calls
	cancel context.CancelFunc
	bg     background // publisher retries, which Close waits for
	closed chan struct{}
	once   sync.Once

	mu       sync.Mutex
	rng      *rand.Rand // keys, tokens, UUIDs
	faultRng *rand.Rand // random faults, apart so they do not shift the data

	products   map[int]*Product
	categories []Category
	oses       []OS
	pools      map[int]*pool
	keyOwner   map[string]int // every batch key ever loaded, for duplicate checks
	publishers map[int]Publisher

	orders    map[string]*order
	stored    queue[string]   // partner order numbers in the order stored, for WithOrderRetention
	reserved  map[string]bool // partner order numbers being created
	nextOrder int
	holds     []int // codes for the next created orders to stay pending with

	subs    []*subscription // in id order
	nextDue time.Time       // no active subscription expires before it; zero: none
	subByID map[int]*subscription
	nextSub int

	access  map[string]*accessToken
	refresh map[string]*refreshToken
	// tokenSweep is the token count at which grants next look for expired
	// tokens to forget.
	tokenSweep int

	faultQueue map[Route][]*queuedFault
	faultRates map[Route]faultRate
	followUps  map[uint64]Fault // faults waiting for a resend (Fault.Then)
	dialects   *dialects        // the shape of the answers (WithDialect, WithVariants)
	inflight   int              // requests being served
	idle       chan struct{}    // closed when inflight falls to 0
	thenFaults bool             // a queued or rated fault has a Then
	limits     rateLimits       // Nexway's request limit (WithEnforcedRateLimit, SetRateLimit)
	feed       FeedSettings     // the product feed's settings (WithFeed, SetFeed)

	log    requestLog
	counts map[Route]RouteCount
}

// NewServer starts a fake Nexway for the test t and stops it when the test
// ends (t.Cleanup). It starts with DefaultCatalog and its keys, a clock at
// DefaultStartTime, and seed 0, unless opts say otherwise. It fails the
// test at once (t.Fatal) if the server cannot start, an option's refusal
// included.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := StartServer(opts...)
	if err != nil {
		t.Fatal(err) // already "nexwaytest: ..."
	}
	t.Cleanup(s.Close)
	return s
}

// StartServer starts a fake Nexway on a loopback port (or WithAddr), as
// NewServer does, for use outside a test (an example program, a benchmark's
// setup, the nexway-fake command). Call Close when done. It fails if the
// address cannot be listened on, if an option refuses its value, if a
// WithSetup function fails, or if an option of WithClientOptions is
// refused by nexway.NewClient; nothing is left running then.
func StartServer(opts ...Option) (*Server, error) {
	s, err := build(opts)
	if err != nil {
		return nil, err
	}
	cfg := s.cfg
	hs, err := listen(s, cfg.addr)
	if err != nil {
		s.Close()
		return nil, err
	}
	url := baseURL(hs.Listener.Addr())
	copts := []nexway.Option{
		nexway.WithBaseURL(url),
		nexway.WithFeedURL(url, nexway.FeedPathV24),
		// On a host off loopback (WithAddr) the API needs WithInsecureHTTP
		// from the caller; the feed, with the same test secret, follows it.
		nexway.WithInsecureFeedHTTP(),
		nexway.WithSecret(s.cfg.secrets[0]),
		nexway.WithRateLimit(rate.Inf, 0),
		nexway.WithRetryPolicy(nexway.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond, MaxRetryAfter: 5 * time.Second}),
	}
	if cfg.realm != "" {
		copts = append(copts, nexway.WithCredentials(cfg.realm, cfg.clientSecret))
	}
	c, err := nexway.NewClient(append(copts, cfg.client...)...)
	if err != nil {
		hs.Close()
		s.Close()
		return nil, fmt.Errorf("nexwaytest: client options: %w", err)
	}
	s.URL, s.Client, s.httpServer = url, c, hs
	return s, nil
}

// refuse is an option's refusal, of the client package's type so that
// errors.Is(err, nexway.ErrInvalidArgument) holds for both.
func refuse(option, reason string) error {
	return &nexway.ArgumentError{Field: option, Reason: reason}
}

// clientOptions are options for the Client; a type of its own so that only
// this file names the client package.
type clientOptions []nexway.Option

// WithClientOptions adds options to the Client, after the defaults (the
// fake's URL and feed URL, secret and credentials, no rate limit, 3
// retries waiting 1 to 10 ms), for instance a retry policy or a per-attempt timeout. An option
// the client refuses makes StartServer fail, and NewServer fail the test.
func WithClientOptions(opts ...nexway.Option) Option {
	return func(c *config) error { c.client = append(c.client, opts...); return nil }
}

// newUnstarted returns a fake that is not listening, with an empty catalog
// (see seedDefaults): an http.Handler for the package's own tests.
func newUnstarted(cfg config) *Server {
	cfg.secrets = slices.Clone(cfg.secrets)
	cfg.feed.Columns = slices.Clone(cfg.feed.Columns)
	if len(cfg.secrets) == 0 {
		cfg.secrets = []string{Secret}
	}
	if cfg.accessTTL <= 0 {
		cfg.accessTTL = 300 * time.Second
	}
	if cfg.refreshTTL <= 0 {
		cfg.refreshTTL = 1800 * time.Second
	}
	if cfg.clock == nil {
		cfg.clock = realClock{}
	}
	if cfg.downloadWindow <= 0 {
		cfg.downloadWindow = 21 * 24 * time.Hour
	}
	if cfg.cancelPeriod < 0 {
		cfg.cancelPeriod = 0
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:        cfg,
		ctx:        ctx,
		cancel:     cancel,
		closed:     make(chan struct{}),
		rng:        rand.New(rand.NewPCG(uint64(cfg.seed), 0x6e6578776179)),
		faultRng:   rand.New(rand.NewPCG(uint64(cfg.seed), 0x6661756c7473)),
		products:   map[int]*Product{},
		pools:      map[int]*pool{},
		keyOwner:   map[string]int{},
		publishers: map[int]Publisher{},
		orders:     map[string]*order{},
		reserved:   map[string]bool{},
		nextOrder:  10000001,
		subByID:    map[int]*subscription{},
		nextSub:    900001,
		access:     map[string]*accessToken{},
		refresh:    map[string]*refreshToken{},
		faultQueue: map[Route][]*queuedFault{},
		faultRates: map[Route]faultRate{},
		followUps:  map[uint64]Fault{},
		dialects:   newDialects(&cfg),
		limits:     newRateLimits(cfg.rateLimit, cfg.rateBurst, nil),
		feed:       cfg.feed,
		counts:     map[Route]RouteCount{},
	}
	s.mux = s.routes()
	return s
}

// Close stops the server: it cuts injected latency waits short (503, not
// processed) and cancels publisher calls in flight, then stops the HTTP
// server, waiting for the requests it is serving, and closes the Client's
// idle connections. It is safe to call more than once, and from several
// goroutines. The knobs still work afterwards, and so does ServeHTTP when
// called directly, except that a latency fault answers 503 at once.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed) // first: aborts latency faults the HTTP server would wait for
		s.cancel()
		s.bg.stop()
		if s.Client != nil {
			s.Client.CloseIdleConnections()
		}
		if s.httpServer != nil {
			s.httpServer.Close()
		}
	})
}
