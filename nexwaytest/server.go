package nexwaytest

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"golang.org/x/time/rate"
)

// maxBodyBytes caps how much of a request body the fake reads.
const maxBodyBytes = 1 << 20

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

// Server is a fake Nexway and, once started, a client for it. It
// implements http.Handler and is safe for concurrent use: one mutex guards
// the store, and it is never held across a publisher call or an injected
// latency.
type Server struct {
	// URL is the fake's base URL, on loopback.
	URL string
	// Client calls the fake. It has the fake's credentials, no rate limit,
	// and retries that wait milliseconds instead of seconds.
	Client *nexway.Client

	http *httptest.Server

	cfg    config
	mux    *http.ServeMux
	ctx    context.Context // cancelled by Close; used for publisher calls
	cancel context.CancelFunc
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
	reserved  map[string]bool // partner order numbers being created
	nextOrder int
	holds     []int // codes for the next created orders to stay pending with

	subs    []*subscription // in id order
	nextDue time.Time       // no active subscription expires before it; zero: none
	subByID map[int]*subscription
	nextSub int

	access  map[string]*accessToken
	refresh map[string]*refreshToken

	faultQueue map[Route][]*queuedFault
	faultRates map[Route]faultRate

	log    []*LoggedRequest
	counts map[Route]RouteCount
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

// StartServer starts a fake Nexway on a loopback port, for use outside a
// test (an example program, a benchmark's setup). Call Close when done. It
// fails if an option of WithClientOptions is refused by nexway.NewClient.
func StartServer(opts ...Option) (*Server, error) {
	cfg := config{secrets: []string{Secret}, realm: Realm, clientSecret: ClientSecret, clock: newManualClock(Start)}
	for _, opt := range opts {
		opt(&cfg)
	}
	s := newUnstarted(cfg)
	if !cfg.noCatalog {
		if err := s.seedDefaults(); err != nil {
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
	if cfg.realm != "" {
		copts = append(copts, nexway.WithCredentials(cfg.realm, cfg.clientSecret))
	}
	c, err := nexway.NewClient(append(copts, cfg.client...)...)
	if err != nil {
		hs.Close()
		s.Close()
		return nil, fmt.Errorf("nexwaytest: client options: %w", err)
	}
	s.URL, s.Client, s.http = hs.URL, c, hs
	return s, nil
}

// clientOptions are options for the Client; a type of its own so that only
// this file names the client package.
type clientOptions []nexway.Option

// WithClientOptions adds options to the Client, after the defaults (the
// fake's URL, secret and credentials, no rate limit, 3 retries waiting 1 to
// 10 ms), for instance a retry policy or a per-attempt timeout. An option
// the client refuses makes StartServer fail.
func WithClientOptions(opts ...nexway.Option) Option {
	return func(c *config) { c.client = append(c.client, opts...) }
}

// newUnstarted returns a fake that is not listening, with an empty catalog
// (see seedDefaults): an http.Handler for the package's own tests.
func newUnstarted(cfg config) *Server {
	cfg.secrets = slices.Clone(cfg.secrets)
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
		counts:     map[Route]RouteCount{},
	}
	s.mux = s.routes()
	return s
}

// Close stops the server: it aborts injected latency waits and in-flight
// publisher calls, stops the HTTP server and releases the client's
// connections. It is safe to call more than once. A Server that was never
// started still answers ServeHTTP afterwards, except that a request meeting
// a latency fault gets a 503 at once and is not processed.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed) // first: aborts latency faults the HTTP server would wait for
		s.cancel()
		if s.Client != nil {
			s.Client.CloseIdleConnections()
		}
		if s.http != nil {
			s.http.Close()
		}
	})
}

// Now returns the time on the server's clock.
func (s *Server) Now() time.Time { return s.cfg.clock.Now() }

// Advance moves a manualClock forward by d and processes the subscription
// renewals that fall due. It returns false, doing nothing, when the server's
// clock is not a *manualClock.
func (s *Server) Advance(d time.Duration) bool {
	mc, ok := s.cfg.clock.(*manualClock)
	if !ok {
		return false
	}
	mc.Advance(d)
	s.processDue()
	return true
}

// Route names one operation of the fake; its value is the ServeMux pattern.
type Route string

// Routes of the fake, one per operation (reference §4, §2).
const (
	RouteAny                Route = "" // every /connect route, for faults; never IAM
	RouteToken              Route = "POST /iam/tokens"
	RouteInvalidate         Route = "DELETE /iam/tokens/invalidate"
	RouteReset              Route = "DELETE /iam/tokens/reset"
	RouteStock              Route = "POST /connect/stock"
	RouteCrossSell          Route = "POST /connect/order/crossupsell"
	RouteCreateOrder        Route = "POST /connect/order/new"
	RouteGetOrder           Route = "GET /connect/order/{partnerOrderNumber}"
	RouteCancelOrder        Route = "PUT /connect/order/cancel"
	RouteExtendDownload     Route = "PUT /connect/order/download"
	RouteDownloadInfo       Route = "GET /connect/order/{partnerOrderNumber}/download"
	RouteSubscriptionStatus Route = "POST /connect/subscription"
	RouteSubscriptionCancel Route = "PUT /connect/subscription"
	RouteSubscriptionRenew  Route = "PUT /connect/subscription/renew"
	RouteCategories         Route = "GET /connect/catalog/categories/{language}"
	RouteOSList             Route = "GET /connect/catalog/oslist"
)

// routeAliases are extra patterns served as an existing route: the cancel
// path of one client port (reference §9 #4), and get-order with an empty
// partner order number (answered with code 100).
var routeAliases = map[string]Route{
	"PUT /connect/subscription/cancel": RouteSubscriptionCancel,
	"GET /connect/order/{$}":           RouteGetOrder,
}

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	handlers := map[Route]http.HandlerFunc{
		RouteToken:              s.handleToken,
		RouteInvalidate:         s.handleInvalidate,
		RouteReset:              s.handleReset,
		RouteStock:              s.handleStock,
		RouteCrossSell:          s.handleCrossSell,
		RouteCreateOrder:        s.handleCreateOrder,
		RouteGetOrder:           s.handleGetOrder,
		RouteCancelOrder:        s.handleCancelOrder,
		RouteExtendDownload:     s.handleExtendDownload,
		RouteDownloadInfo:       s.handleDownloadInfo,
		RouteSubscriptionStatus: s.handleSubscriptionStatus,
		RouteSubscriptionCancel: s.handleSubscriptionCancel,
		RouteSubscriptionRenew:  s.handleSubscriptionRenew,
		RouteCategories:         s.handleCategories,
		RouteOSList:             s.handleOSList,
	}
	for r, h := range handlers {
		m.HandleFunc(string(r), h)
	}
	for pattern, r := range routeAliases {
		m.HandleFunc(pattern, handlers[r])
	}
	return m
}

// routeOf returns the route a request goes to ("" when none matches).
func (s *Server) routeOf(r *http.Request) Route {
	_, pattern := s.mux.Handler(r)
	if alias, ok := routeAliases[pattern]; ok {
		return alias
	}
	return Route(pattern)
}

// isConnect reports whether a route is a Connect operation (as opposed to
// IAM), i.e. one behind the bearer and secret gate.
func isConnect(r Route) bool {
	return strings.Contains(string(r), " /connect/")
}

// ServeHTTP reads and logs the request, processes due renewals, applies an
// injected fault if one is due, checks bearer and secret on /connect routes,
// then runs the operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil { // nil when a test calls ServeHTTP with a client request
		// A body over the cap is cut, so it fails to parse: the operation's
		// "missing" code.
		body, _ = io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	route := s.routeOf(r)
	entry := s.logRequest(r, route, body)
	s.processDue()

	sw := &statusWriter{ResponseWriter: w}
	if f, hit := s.nextFault(route); hit {
		s.setFault(entry, f.Kind)
		if done := s.applyFault(w, sw, r, route, f, entry); done {
			return
		}
	}
	s.serve(sw, r, route)
	s.setStatus(entry, sw.status)
}

// serve runs the gate and the operation.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, route Route) {
	if isConnect(route) && !s.gate(w, r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// gate checks the bearer token (when a realm is configured) and the
// `secret` header of a /connect request. A bad token is HTTP 401; a missing
// or unknown secret is HTTP 200 with the global codes 70/71 (reference §5.1),
// answered before any other validation.
func (s *Server) gate(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.realm != "" {
		if reason := s.checkBearer(r); reason != "" {
			denyToken(w, reason)
			return false
		}
	}
	secret := r.Header.Get("secret")
	if secret == "" {
		writeEnvelope(w, 70, "secret missing")
		return false
	}
	if !slices.Contains(s.cfg.secrets, secret) {
		writeEnvelope(w, 71, "secret not valid")
		return false
	}
	return true
}

// statusWriter remembers the status written, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// discardWriter is where a request whose response will be lost is answered.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}

// randLocked fills b, whose length is a multiple of 8, from the seeded
// source.
func (s *Server) randLocked(b []byte) {
	for i := 0; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], s.rng.Uint64())
	}
}

// uuidLocked draws a version-4 UUID from the seeded source.
func (s *Server) uuidLocked() string {
	var b [16]byte
	s.randLocked(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexdigits[c>>4], hexdigits[c&0x0f])
	}
	return string(out)
}

// readBody returns a request's body (already buffered by ServeHTTP).
func readBody(r *http.Request) []byte {
	b, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	return b
}

// dateOf returns midnight UTC of t's UTC calendar date: download windows and
// expiry dates are whole days in UTC.
func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// formatDate writes a date as YYYY-MM-DD (reference §6).
func formatDate(t time.Time) string { return t.UTC().Format("2006-01-02") }
