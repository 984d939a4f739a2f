// Package nexway is a client for the Nexway Connect API, the reseller API a
// storefront uses to sell software, games and subscriptions delivered by
// Nexway: check stock, propose cross-sells, create orders and hand out their
// license keys and downloads, extend download windows, cancel orders and
// follow subscriptions.
//
// A Client has one service per resource (Stock, CrossSell, Orders,
// Downloads, Subscriptions, Catalog, and Feed for the product feed). Every
// method takes a context, validates its arguments before any I/O, and
// returns a typed result or an error that matches one of the package's
// sentinels with errors.Is. The client obtains and refreshes its token,
// limits its request rate, retries what is safe to retry, creates an order
// at most once even when responses are lost, and reads Nexway's answers
// leniently, since many of their shapes are undocumented. Client.Do reaches
// what the package does not model; an Observer sees every call.
//
// The package nexwaytest starts an in-process fake Nexway for tests, and
// the command nexway-fake serves it to tests in any language. The package
// fulfillment is the publisher's side of Nexway's real-time fulfillment.
package nexway

import (
	"log/slog"
	"net/http"
	"net/url"

	"github.com/hashicorp/go-retryablehttp"
)

// Version is the version of this package, sent in the User-Agent header.
const Version = "0.1.0"

// Base URLs of the Connect API.
const (
	ProductionURL = "https://api.nexway.store/"
	StagingURL    = "https://api-uat.staging.nexway.build/"
)

// Token endpoints. Staging issues tokens from another host than its API
// (its IAM lives on api.staging.nexway.build, its API on
// api-uat.staging.nexway.build), which is why the token URL is configured apart.
const (
	ProductionTokenURL = "https://api.nexway.store/iam/tokens"
	StagingTokenURL    = "https://api.staging.nexway.build/iam/tokens"
)

// Client calls the Nexway Connect API. It is safe for concurrent use by
// multiple goroutines; create one per process and share it.
type Client struct {
	base   string // absolute, ends with "/"
	scheme string
	host   string
	secret string
	// secretHeader is the default secret as a header value, built once;
	// transports only read header values, so requests can share it.
	secretHeader []string
	userAgent    []string
	rc           *retryablehttp.Client
	hc           *http.Client
	// baseTransport is closed by CloseIdleConnections. The layers above it
	// do not forward CloseIdleConnections, because retryablehttp calls it
	// on every failure and would empty a pool other calls are using.
	baseTransport http.RoundTripper
	retryPolicy   RetryPolicy
	tokens        *tokenSource // nil without credentials
	logger        *slog.Logger
	redact        *redactor
	cancelPath    string
	observer      Observer   // nil: calls are not observed
	feed          feedClient // the product feed's downloads

	common service

	// Stock checks whether products can be ordered.
	Stock *StockService
	// CrossSell proposes cross-sells, up-sells and options for a cart.
	CrossSell *CrossSellService
	// Orders creates, reads and cancels orders.
	Orders *OrdersService
	// Downloads reads and extends an order's download window.
	Downloads *DownloadsService
	// Subscriptions reads, cancels and renews subscriptions.
	Subscriptions *SubscriptionsService
	// Catalog lists categories and operating systems.
	Catalog *CatalogService
	// Feed downloads the product feed, the daily catalog export.
	Feed *FeedService
}

type service struct{ client *Client }

// NewClient returns a Client configured by opts. Without options it targets
// ProductionURL with no secret and no credentials, which Nexway refuses:
// give at least WithSecret, and WithCredentials for the JWT. An invalid
// option fails with an *ArgumentError (ErrInvalidArgument) naming it.
func NewClient(opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.finish(); err != nil {
		return nil, err
	}
	c := &Client{
		base:         cfg.base.String(),
		scheme:       cfg.base.Scheme,
		host:         cfg.base.Host,
		secret:       cfg.secret,
		secretHeader: []string{cfg.secret},
		userAgent:    []string{cfg.userAgent},
		logger:       cfg.logger,
		redact:       newRedactor(cfg.secret, cfg.clientSecret),
		cancelPath:   cfg.cancelPath,
		observer:     cfg.observer,
	}
	c.hc = c.newHTTPClient(&cfg)
	c.rc = c.newRetryClient(&cfg)
	c.common.client = c
	c.Stock = (*StockService)(&c.common)
	c.CrossSell = (*CrossSellService)(&c.common)
	c.Orders = (*OrdersService)(&c.common)
	c.Downloads = (*DownloadsService)(&c.common)
	c.Subscriptions = (*SubscriptionsService)(&c.common)
	c.Catalog = (*CatalogService)(&c.common)
	c.feed = newFeedClient(c, &cfg)
	c.Feed = (*FeedService)(&c.common)
	return c, nil
}

// BaseURL returns the API base URL the client calls.
func (c *Client) BaseURL() string { return c.base }

// CloseIdleConnections closes the idle keep-alive connections of the
// client's transport. The client remains usable.
func (c *Client) CloseIdleConnections() {
	if t, ok := c.baseTransport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

// pathEscape escapes a caller-supplied identifier for use as one path
// segment, so that "A/B" or "x?y" cannot change the route. The dot segments
// "." and ".." are refused by validation instead of escaped, because common
// server firewalls reject an encoded period.
func pathEscape(s string) string { return url.PathEscape(s) }
