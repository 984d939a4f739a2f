package nexway

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-querystring/query"

	"github.com/nexway-go/nexway/internal/sniff"
)

// Hosts of the product feed, Nexway's catalog export. Nexway's
// integrations reach both over plain http://, which WithFeedURL accepts
// only with WithInsecureFeedHTTP. The exact URL of a feed is the one Cocoon
// shows when the feed is tested.
const (
	FeedProductionURL = "http://webservices.nexway.com/"
	FeedStagingURL    = "http://connect-uat.nexway.build/"
)

// Paths of the product feed under a feed host, for WithFeedURL.
const (
	// FeedPathV24 is the path of feed version 2.4, the latest release
	// Nexway documents.
	FeedPathV24 = "flow/getcatalog/v2.4/"
	// FeedPathCatalog is the older path. Despite its name it serves the
	// format the feed's config says, CSV or XML.
	FeedPathCatalog = "getCatalog.xml"
)

// feedConfig is the part of a Client's configuration about the feed.
type feedConfig struct {
	url      *url.URL // nil until WithFeedURL
	insecure bool
}

// check refuses a plain http:// feed URL off loopback without the opt-in.
func (f *feedConfig) check() error {
	if f.url != nil && f.url.Scheme == "http" && !f.insecure && !isLoopback(f.url.Hostname()) {
		return invalid("WithFeedURL", "http:// on a non-loopback host would send the feed secret in clear text; use https:// or WithInsecureFeedHTTP")
	}
	return nil
}

// WithFeedURL sets where FeedService downloads the product feed: base, a
// feed host such as FeedProductionURL, joined with path, such as
// FeedPathV24 or FeedPathCatalog. A full feed URL may be given as base
// with an empty path. There is no default: the feed's URL comes with its
// definition in Cocoon. An http:// URL off loopback also needs
// WithInsecureFeedHTTP.
func WithFeedURL(base, path string) Option {
	return func(c *config) error {
		u, err := parseEndpoint("WithFeedURL", base)
		if err != nil {
			return err
		}
		path = strings.TrimPrefix(path, "/")
		if strings.ContainsAny(path, "?#") || strings.Contains(path, "..") {
			return invalid("WithFeedURL", "path must be a plain relative path")
		}
		if path != "" {
			u = u.JoinPath(path)
		}
		if !strings.HasPrefix(u.Path, "/") {
			u.Path = "/" + u.Path
		}
		c.feed.url = u
		return nil
	}
}

// WithInsecureFeedHTTP allows an http:// feed URL on a non-loopback host,
// as Nexway documents its feed hosts. The feed's secret, provider and
// config are in the URL's query, so they then cross the network in clear
// text, readable by anyone on the path: prefer https:// when the host
// accepts it. It does not allow http:// for the Connect API (see
// WithInsecureHTTP).
func WithInsecureFeedHTTP() Option {
	return func(c *config) error { c.feed.insecure = true; return nil }
}

// FeedQuery is the query of a feed download. Its three values come from
// the feed's definition in Cocoon; no other parameter is known (format,
// charset, columns and language are set in Cocoon).
type FeedQuery struct {
	// Secret is the feed's access key, 8 to 10 letters and digits in
	// Nexway's documentation, usually the point of sale's secret. It
	// travels in the URL; the client never puts it in an error or a log.
	Secret string `url:"secret"`
	// Provider identifies the product list (a UUID in Nexway's samples).
	Provider string `url:"provider"`
	// Config identifies the feed format (a UUID in Nexway's samples).
	Config string `url:"config"`
}

// check refuses a query Nexway cannot accept, naming the field.
func (q *FeedQuery) check() error {
	if q == nil {
		return invalid("query", "needs a FeedQuery")
	}
	if err := checkSecret(q.Secret); err != nil {
		return err
	}
	for _, f := range [...]struct{ name, v string }{{"provider", q.Provider}, {"config", q.Config}} {
		if strings.TrimSpace(f.v) == "" || strings.ContainsFunc(f.v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return invalid(f.name, "must be non-empty, without control characters")
		}
	}
	return nil
}

// FeedService downloads the product feed, the file with the whole catalog
// (refs, names, descriptions, prices, categories, operating systems) that
// Nexway refreshes every day by 05:30 CET. The feed is not on the API's
// host: requests carry no token and no secret header, only the query of
// a FeedQuery, and they bypass the client's rate limiter and retries (run
// the daily download again on failure). They go through the client's
// transport (WithTransport, or the transport of WithHTTPClient) and never
// follow redirects.
type FeedService service

// feedClient is what a Client keeps for the feed's downloads.
type feedClient struct {
	url     *url.URL // nil without WithFeedURL
	hc      *http.Client
	timeout time.Duration
}

func newFeedClient(c *Client, cfg *config) feedClient {
	return feedClient{
		url:     cfg.feed.url,
		hc:      &http.Client{Transport: c.baseTransport, CheckRedirect: noRedirect},
		timeout: cfg.timeout,
	}
}

// URL returns the feed URL the service downloads from, without a query,
// or "" when WithFeedURL was not given.
func (s *FeedService) URL() string {
	if s.client.feed.url == nil {
		return ""
	}
	return s.client.feed.url.String()
}

// Open sends the feed request and returns the body, to be read as a
// stream and closed by the caller: to keep a copy of the day's file, or
// to decode it later with feed.Decode (package feed). The body is not buffered whole.
//
// Errors are *APIError, before any request an *ArgumentError: without
// WithFeedURL, or for an invalid query. A non-2xx status gives the
// status's sentinel (Nexway does not document the feed's statuses: 401 is
// taken for a refused secret, ErrInvalidSecret; 403 for an IP address not
// registered with Nexway, ErrForbidden; 404 for an unknown provider or
// config, ErrNotFound); an HTML page gives ErrInvalidResponse. The wait for
// the answer, and each wait for more of the body, is bounded by
// WithTimeout (the time the caller takes between reads does not count);
// the whole download by ctx. A read that fails mid-way returns the cause
// (context.Canceled, io.ErrUnexpectedEOF, context.DeadlineExceeded when the
// server stalled).
func (s *FeedService) Open(ctx context.Context, q *FeedQuery) (io.ReadCloser, error) {
	if s.client.feed.url == nil {
		return nil, invalid("WithFeedURL", "no feed URL configured")
	}
	if err := q.check(); err != nil {
		return nil, err
	}
	values, err := query.Values(q)
	if err != nil {
		return nil, invalid("query", "cannot be encoded")
	}
	u := *s.client.feed.url
	u.RawQuery = values.Encode()

	// The call's state scrubs the query's values from what leaves.
	k := &call{op: opFeed, method: http.MethodGet, path: strings.TrimPrefix(s.client.feed.url.Path, "/")}
	k.state.op, k.state.client, k.state.attempts = opFeed, s.client, 1
	k.state.hidden = q.hidden()

	ctx, cancel := context.WithCancelCause(ctx)
	stall := time.AfterFunc(s.client.feed.timeout, func() { cancel(stallError(s.client.feed.timeout)) })
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		stall.Stop()
		cancel(nil)
		return nil, invalid("WithFeedURL", "does not form a valid request")
	}
	req.Header["User-Agent"] = s.client.userAgent
	req.Header["Accept"] = feedAccept
	start := time.Now()
	resp, err := s.client.feed.hc.Do(req)
	var body *feedBody
	if err == nil {
		stall.Stop() // from now on it runs only while a read waits
		body = &feedBody{body: resp.Body, ctx: ctx, cancel: cancel, stall: stall}
		body.br = bufio.NewReaderSize(stallReader{resp.Body, stall, s.client.feed.timeout}, sniff.BufferSize)
		err = s.check(k, resp, body)
	} else {
		stall.Stop()
		err = s.fail(k, nil, failure(ctx, "request failed"), sanitizeURLError(err, ctx))
		cancel(nil)
	}
	s.log(ctx, resp, start, err)
	if err != nil {
		return nil, err
	}
	return body, nil
}

var feedAccept = []string{"text/csv, application/xml, text/xml, text/plain;q=0.9, */*;q=0.8"}

// check refuses a non-2xx status and an HTML page, closing the body.
func (s *FeedService) check(k *call, resp *http.Response, body *feedBody) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Drain a little so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(body.br, 64<<10))
		body.Close()
		return s.fail(k, resp, feedStatus(resp.StatusCode), nil)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
		body.Close()
		return s.fail(k, resp, code{"an HTML page, not a feed", ErrInvalidResponse}, nil)
	}
	head, err := sniff.PeekUntil(body.br, sniff.Enough)
	if err != nil && err != io.EOF {
		e := s.fail(k, resp, failure(body.ctx, "reading the feed failed"), body.cause(err))
		body.Close()
		return e
	}
	if sniff.IsHTML(head) {
		body.Close()
		return s.fail(k, resp, code{"an HTML page, not a feed", ErrInvalidResponse}, nil)
	}
	return nil
}

// feedStatus gives a status its meaning for the feed, which Nexway does
// not document: the secret is the feed's only credential, and unknown
// provider or config values most likely give 404.
func feedStatus(status int) code {
	switch status {
	case http.StatusUnauthorized:
		return code{"feed secret refused", ErrInvalidSecret}
	case http.StatusForbidden:
		return code{"feed refused: secret, or IP address not registered with Nexway", ErrForbidden}
	case http.StatusNotFound:
		return code{"no such feed: URL, provider or config unknown", ErrNotFound}
	}
	if c := statusCode(status); c.kind != nil {
		return c
	}
	return code{"unexpected HTTP status", ErrInvalidResponse}
}

// failure is what a request that got no usable answer means: the end of
// the caller's context, or else a failure of the feed host (a stall too).
func failure(ctx context.Context, meaning string) code {
	if ctx.Err() != nil && !errors.Is(context.Cause(ctx), errStalled) {
		return code{"call ended before an answer", nil}
	}
	return code{meaning, ErrUnavailable}
}

// opFeed is the feed's download: a read, resent by no one (the caller
// decides), whose errors are reported like the API's.
var opFeed = &operation{name: "GetFeed"}

// fail builds the download's error, scrubbed of the query's values like
// every error of the client.
func (s *FeedService) fail(k *call, resp *http.Response, kind code, err error) *APIError {
	return s.client.apiError(k, resp, kind, 0, "", err)
}

func (s *FeedService) log(ctx context.Context, resp *http.Response, start time.Time, err error) {
	logger := s.client.logger
	if !logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("op", "GetFeed"), slog.String("method", http.MethodGet),
		slog.String("host", s.client.feed.url.Host), slog.String("path", s.client.feed.url.Path),
		slog.Duration("duration", time.Since(start)),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	logger.LogAttrs(ctx, slog.LevelDebug, "nexway feed", attrs...)
}

// errStalled marks a feed whose server sent nothing for the timeout.
var errStalled = errors.New("feed stalled")

func stallError(d time.Duration) error {
	return fmt.Errorf("%w: nothing received for %s: %w", errStalled, d, context.DeadlineExceeded)
}

// stallReader runs the stall timer while a read waits for the server,
// and only then: a consumer slow to ask for more is not a stalled server.
type stallReader struct {
	r     io.Reader
	stall *time.Timer
	d     time.Duration
}

func (s stallReader) Read(p []byte) (int, error) {
	s.stall.Reset(s.d)
	n, err := s.r.Read(p)
	s.stall.Stop()
	return n, err
}

// feedBody is the body Open returns.
type feedBody struct {
	br     *bufio.Reader
	body   io.ReadCloser
	ctx    context.Context
	cancel context.CancelCauseFunc
	stall  *time.Timer
}

func (b *feedBody) Read(p []byte) (int, error) {
	n, err := b.br.Read(p)
	if err != nil && err != io.EOF {
		err = b.cause(err)
	}
	return n, err
}

// cause returns why the request's context ended, when it did: the
// caller's context, or the stall timer.
func (b *feedBody) cause(err error) error {
	if b.ctx.Err() != nil {
		return context.Cause(b.ctx)
	}
	return err
}

// Close closes the connection and stops the stall timer.
func (b *feedBody) Close() error {
	b.stall.Stop()
	err := b.body.Close()
	b.cancel(nil)
	return err
}

// sanitizeURLError removes the query from a *url.Error, which holds the
// feed URL with its secret, and gives the stall timer's cause instead of
// a bare context.Canceled.
func sanitizeURLError(err error, ctx context.Context) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	inner := ue.Err
	if ctx.Err() != nil {
		inner = context.Cause(ctx)
	}
	return &url.Error{Op: ue.Op, URL: redactQuery(ue.URL), Err: inner}
}

// redactQuery replaces every query value of rawURL with "REDACTED", as
// go-github does for its client secret.
func redactQuery(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		before, _, _ := strings.Cut(rawURL, "?")
		return before
	}
	q := u.Query()
	for k := range q {
		q[k] = []string{"REDACTED"}
	}
	u.RawQuery = q.Encode()
	u.User = nil
	return u.String()
}

// hidden lists the query's values, which must not leave the client.
func (q *FeedQuery) hidden() []string { return []string{q.Secret, q.Provider, q.Config} }
