package nexway

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Option configures a Client. Options are validated by NewClient, which
// returns the first option's error.
type Option func(*config) error

type config struct {
	base         *url.URL
	tokenURL     string
	realm        string
	clientSecret string
	secret       string
	httpClient   *http.Client
	transport    http.RoundTripper
	timeout      time.Duration
	userAgent    string
	limiter      RateLimiter
	retry        RetryPolicy
	logger       *slog.Logger
	insecure     bool
	cancelPath   string
	observer     Observer
	feed         feedConfig
}

// Defaults. The rate limit is the 10 requests/s Nexway documents for its
// other API (https://github.com/NexwayGroup/nx-api-docs, guides/99-rate_limits.md);
// the timeout is what production integrations use.
const (
	defaultTimeout    = 30 * time.Second
	defaultRate       = 10
	defaultBurst      = 10
	defaultCancelPath = "connect/subscription"
)

func defaultConfig() config {
	base, _ := url.Parse(ProductionURL)
	return config{
		base:       base,
		timeout:    defaultTimeout,
		userAgent:  "nexway-go/" + Version,
		limiter:    rate.NewLimiter(defaultRate, defaultBurst),
		retry:      DefaultRetryPolicy(),
		logger:     slog.New(slog.DiscardHandler),
		cancelPath: defaultCancelPath,
	}
}

// finish checks what only the whole configuration can tell.
func (c *config) finish() error {
	if c.base.Scheme == "http" && !c.insecure && !isLoopback(c.base.Hostname()) {
		return invalid("WithBaseURL", "http:// on a non-loopback host; use https:// or WithInsecureHTTP")
	}
	if c.tokenURL == "" {
		c.tokenURL = defaultTokenURL(c.base)
	} else if u, _ := url.Parse(c.tokenURL); u.Scheme == "http" && !c.insecure && !isLoopback(u.Hostname()) {
		return invalid("WithTokenURL", "http:// on a non-loopback host; use https:// or WithInsecureHTTP")
	}
	if c.httpClient != nil && c.transport != nil {
		return invalid("WithTransport", "cannot be used with WithHTTPClient")
	}
	return c.feed.check()
}

// defaultTokenURL picks the token endpoint that goes with the API base URL:
// Nexway's own pairs, else the same host (as the fake server serves both).
func defaultTokenURL(base *url.URL) string {
	switch base.String() {
	case ProductionURL:
		return ProductionTokenURL
	case StagingURL:
		return StagingTokenURL
	}
	return base.JoinPath("iam/tokens").String()
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func parseEndpoint(name, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, invalid(name, "must be an absolute http(s) URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, invalid(name, "must not carry credentials, a query or a fragment")
	}
	return u, nil
}

// WithBaseURL sets the API base URL, ProductionURL by default. Use
// StagingURL for Nexway's UAT environment. An http:// URL is refused unless
// the host is loopback or WithInsecureHTTP is given.
func WithBaseURL(rawURL string) Option {
	return func(c *config) error {
		u, err := parseEndpoint("WithBaseURL", rawURL)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		c.base = u
		return nil
	}
}

// WithTokenURL sets the IAM token endpoint. By default it follows the base
// URL: ProductionTokenURL, StagingTokenURL, or <base>/iam/tokens.
func WithTokenURL(rawURL string) Option {
	return func(c *config) error {
		u, err := parseEndpoint("WithTokenURL", rawURL)
		if err != nil {
			return err
		}
		c.tokenURL = u.String()
		return nil
	}
}

// WithInsecureHTTP allows http:// base and token URLs on non-loopback hosts.
// Credentials then cross the network in clear text: use it only on a
// private test network.
func WithInsecureHTTP() Option {
	return func(c *config) error { c.insecure = true; return nil }
}

// WithCredentials makes the client authenticate with a JWT from Nexway's IAM
// (client_credentials grant for realm), cached and refreshed as needed.
// Without it, requests carry the secret header alone. Both must be
// non-empty UTF-8 without control characters.
func WithCredentials(realm, clientSecret string) Option {
	return func(c *config) error {
		if realm == "" || clientSecret == "" {
			return invalid("WithCredentials", "needs a realm and a client secret")
		}
		if textProblem(realm) != "" || textProblem(clientSecret) != "" || strings.ContainsFunc(realm+clientSecret, isControl) {
			return invalid("WithCredentials", "must be UTF-8 without control characters")
		}
		c.realm, c.clientSecret = realm, clientSecret
		return nil
	}
}

// WithSecret sets the default access secret, the secret header Nexway issues
// per sales territory. WithTerritorySecret overrides it for one call.
func WithSecret(secret string) Option {
	return func(c *config) error {
		if err := checkSecret(secret); err != nil {
			return err
		}
		c.secret = secret
		return nil
	}
}

func checkSecret(s string) error {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return invalid("secret", "must be non-empty printable ASCII without spaces")
	}
	return nil
}

// WithHTTPClient sets the HTTP client whose transport, timeout and cookie
// jar carry the requests. The client is copied; redirects are never
// followed, so that credentials cannot leak to another host.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return invalid("WithHTTPClient", "needs a client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithTransport sets the round tripper under the client's own layers (a
// pooled *http.Transport by default). Tests use it to inject an httpmock
// transport.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return invalid("WithTransport", "needs a round tripper")
		}
		c.transport = rt
		return nil
	}
}

// WithTimeout sets the limit of one attempt, from sending the request to
// reading the whole response (30 s by default). The context bounds the call
// as a whole, retries included.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("WithTimeout", "must be positive")
		}
		c.timeout = d
		return nil
	}
}

// WithUserAgent appends product to the User-Agent header, after
// "nexway-go/<Version>". It fails on text that is not a valid header value
// (control characters, invalid UTF-8).
func WithUserAgent(product string) Option {
	return func(c *config) error {
		if !validHeaderValue(product) {
			return invalid("WithUserAgent", "must be printable UTF-8 without control characters")
		}
		if product != "" {
			c.userAgent = "nexway-go/" + Version + " " + product
		}
		return nil
	}
}

// RateLimiter paces requests. Wait blocks until one request may be sent or
// ctx is done; the client calls it for every request it sends, retries,
// resends after a token renewal and net/http's own resend of a read whose
// reused connection closed unanswered included. *rate.Limiter satisfies it; a fleet of storefront replicas can
// share a limit by implementing it over a shared store.
type RateLimiter interface {
	Wait(ctx context.Context) error
}

// WithRateLimit limits the requests the client sends, retries included, to
// r per second with bursts of burst (10/s, burst 10 by default). rate.Inf
// turns the limit off.
func WithRateLimit(r rate.Limit, burst int) Option {
	return func(c *config) error {
		if r == rate.Inf {
			c.limiter = nil
			return nil
		}
		if r <= 0 || burst < 1 {
			return invalid("WithRateLimit", "needs a positive rate and a burst of at least 1")
		}
		c.limiter = rate.NewLimiter(r, burst)
		return nil
	}
}

// WithRateLimiter replaces the limiter, for instance with one shared by
// every replica of a storefront.
func WithRateLimiter(l RateLimiter) Option {
	return func(c *config) error {
		if l == nil {
			return invalid("WithRateLimiter", "needs a limiter; use WithRateLimit(rate.Inf, 0) for none")
		}
		c.limiter = l
		return nil
	}
}

// WithRetryPolicy sets how failed attempts are retried.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}
}

// WithoutRetries sends every request once. An ambiguous failure of
// Orders.Create is still reconciled with one read of the order.
func WithoutRetries() Option {
	return func(c *config) error { c.retry.MaxRetries = 0; return nil }
}

// WithLogger sends the client's debug events (one per attempt) to l. The
// client logs nothing by default, and never logs secrets, tokens, bodies or
// customer data.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return invalid("WithLogger", "needs a logger")
		}
		c.logger = l
		return nil
	}
}

// WithSubscriptionCancelPath sets the path of the cancel-subscription call,
// relative to the base URL: "connect/subscription" by default, as in the
// client Nexway's documentation links to; another client uses
// "connect/subscription/cancel". It fails unless path is segments of
// letters, digits and "-._~" separated by single slashes, without "." or
// ".." segments.
func WithSubscriptionCancelPath(path string) Option {
	return func(c *config) error {
		path = strings.TrimPrefix(path, "/")
		if !plainPath(path) {
			return invalid("WithSubscriptionCancelPath", "must be a plain relative path: segments of letters, digits and -._~")
		}
		c.cancelPath = path
		return nil
	}
}

// plainPath accepts a relative path whose segments are non-empty runs of
// URL-unreserved characters, other than "." and "..".
func plainPath(path string) bool {
	if path == "" {
		return false
	}
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for i := 0; i < len(seg); i++ {
			if b := seg[i]; !isLetter(b) && !isDigit(b) && strings.IndexByte("-._~", b) < 0 {
				return false
			}
		}
	}
	return true
}

// CallOption adjusts a single call.
type CallOption func(*callConfig)

type callConfig struct {
	secret   string
	header   http.Header
	response *Response
	noRaw    bool
	err      error
}

// Response is the metadata of a successful call, captured with WithResponse.
type Response struct {
	// HTTPStatus of the answer the result comes from: the last one.
	HTTPStatus int
	// RequestID is the server's request id header of that answer, when
	// present.
	RequestID string
	// Attempts is how many requests the call sent: retries, resends after
	// a token renewal, net/http's own resends of a read, and the requests
	// of its parts (Create's read-back of an ambiguous order, Extend's read
	// of the window before moving it by a period) included. Observer's CallResult.Attempts and
	// APIError.Attempts count the same.
	Attempts int
	// ReadBacks is how many of Attempts were requests of the call's
	// parts; Attempts - ReadBacks were the call's own request.
	ReadBacks int
}

// WithTerritorySecret sends secret instead of the client's default for this
// call, for storefronts that sell in several Nexway sales territories.
func WithTerritorySecret(secret string) CallOption {
	return func(cc *callConfig) {
		if err := checkSecret(secret); err != nil {
			cc.err = &ArgumentError{Field: "secret", Reason: "must be non-empty printable ASCII without spaces"}
			return
		}
		cc.secret = secret
	}
}

// WithHeader adds a header to this call's request. The call fails with
// ErrInvalidArgument, before anything is sent, when key is not a valid
// header name (an RFC 9110 token) or value holds control characters or
// invalid UTF-8, and for the headers the client owns (Authorization,
// secret, Content-Type, Accept, User-Agent).
func WithHeader(key, value string) CallOption {
	return func(cc *callConfig) {
		k := http.CanonicalHeaderKey(key)
		switch {
		case !validHeaderName(key) || !validHeaderValue(value):
			cc.err = &ArgumentError{Field: "header", Reason: "not a valid header name and value"}
		case k == "Authorization" || k == "Secret" || k == "Content-Type" || k == "Accept" || k == "User-Agent":
			cc.err = &ArgumentError{Field: "header", Reason: k + " is set by the client"}
		default:
			if cc.header == nil {
				cc.header = make(http.Header)
			}
			cc.header.Add(k, value)
		}
	}
}

// WithoutRaw leaves the result's Raw nil, so that holding the result does
// not keep the whole answer alive (a 10,000-line order held by a
// storefront's cache, say).
func WithoutRaw() CallOption {
	return func(cc *callConfig) { cc.noRaw = true }
}

// WithResponse stores the call's metadata in r when the call succeeds,
// once its outcome is decided (after a read-back, a cancel settled by
// 1011); r is left untouched when it fails, whose *APIError carries the
// same metadata.
func WithResponse(r *Response) CallOption {
	return func(cc *callConfig) { cc.response = r }
}
