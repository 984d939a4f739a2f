package feed

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nexway-go/nexway/internal/feedgen"

	"github.com/nexway-go/nexway"
)

var testQuery = &nexway.FeedQuery{Secret: "f33dSecret", Provider: "1c774002-211f-5012-9d53-80e6cb60759d", Config: "7016b623-3853-3db5-a67a-cf6aec336459"}

// feedServer serves h on loopback and returns a client whose feed URL
// points to it.
func feedServer(t *testing.T, h http.HandlerFunc, opts ...nexway.Option) *nexway.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := nexway.NewClient(append([]nexway.Option{nexway.WithFeedURL(srv.URL, nexway.FeedPathV24)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The request: GET on the feed URL, the three values in the query and no
// credential of the API, even on a client that has them.
func TestFeedRequestAndProducts(t *testing.T) {
	var mu sync.Mutex
	var seen []*http.Request
	cfg := feedgen.Config{Count: 2000, Seed: 11, Separator: ';'}
	c := feedServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = feedgen.New(cfg).WriteTo(w)
	}, nexway.WithSecret("apiSecret1"), nexway.WithCredentials("realm", "client-secret"), nexway.WithUserAgent("shop/2"))
	n := 0
	for p, err := range Products(context.Background(), c, testQuery, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if want := wantProduct(cfg, n); p.ProductRef != want.ProductRef || p.Price.Cmp(*want.Price) != 0 || p.Name != want.Name {
			t.Fatalf("product %d: %+v", n, p)
		}
		n++
	}
	if n != cfg.Count || len(seen) != 1 {
		t.Fatalf("%d products, %d requests", n, len(seen))
	}
	r := seen[0]
	want := url.Values{"secret": {testQuery.Secret}, "provider": {testQuery.Provider}, "config": {testQuery.Config}}
	if r.Method != http.MethodGet || r.URL.Path != "/flow/getcatalog/v2.4/" || r.URL.Query().Encode() != want.Encode() {
		t.Fatalf("%s %s", r.Method, r.URL)
	}
	for _, h := range []string{"Authorization", "Secret"} {
		if v := r.Header.Get(h); v != "" {
			t.Errorf("%s header %q sent to the feed host", h, v)
		}
	}
	if ua := r.Header.Get("User-Agent"); ua != "nexway-go/"+nexway.Version+" shop/2" {
		t.Errorf("User-Agent %q", ua)
	}
}

func TestFeedStatuses(t *testing.T) {
	for _, tc := range []struct {
		status int
		kind   error
	}{
		{401, nexway.ErrInvalidSecret}, {403, nexway.ErrForbidden}, {404, nexway.ErrNotFound}, {429, nexway.ErrRateLimited},
		{500, nexway.ErrUnavailable}, {503, nexway.ErrUnavailable}, {400, nexway.ErrValidation}, {418, nexway.ErrInvalidResponse},
		{302, nexway.ErrInvalidResponse},
	} {
		redirected := false
		c := feedServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/elsewhere" {
				redirected = true
			}
			if tc.status == 302 {
				http.Redirect(w, r, "/elsewhere?"+r.URL.RawQuery, http.StatusFound)
				return
			}
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, "Product ID\n1\n") // a body that is not the feed
		})
		var got []error
		for p, err := range Products(context.Background(), c, testQuery, nil) {
			if err == nil {
				t.Fatalf("%d: product %+v", tc.status, p)
			}
			got = append(got, err)
		}
		var apiErr *nexway.APIError
		if len(got) != 1 || !errors.Is(got[0], tc.kind) || !errors.As(got[0], &apiErr) || apiErr.HTTPStatus != tc.status ||
			apiErr.Path != "/flow/getcatalog/v2.4/" || apiErr.Operation != "GetFeed" || redirected {
			t.Errorf("%d: %v (redirect followed: %v)", tc.status, got, redirected)
		}
	}
}

// A 200 that is an HTML page gives no product, whatever its Content-Type.
func TestFeedHTMLPage(t *testing.T) {
	for _, ctype := range []string{"text/html; charset=utf-8", "text/plain", ""} {
		c := feedServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			_, _ = io.WriteString(w, "<!DOCTYPE html><html><body><p>Product ID,Name</p></body></html>")
		})
		var got []error
		for _, err := range Products(context.Background(), c, testQuery, nil) {
			got = append(got, err)
		}
		if len(got) != 1 || !errors.Is(got[0], nexway.ErrInvalidResponse) {
			t.Errorf("Content-Type %q: %v", ctype, got)
		}
	}
}

// trackingTransport answers with a canned response and records whether
// each body was closed.
type trackingTransport struct {
	mu     sync.Mutex
	status int
	ctype  string
	body   string
	calls  int
	bodies []*trackedBody
}

type trackedBody struct {
	io.Reader
	closed bool
}

func (b *trackedBody) Close() error { b.closed = true; return nil }

func (tt *trackingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	tt.calls++
	b := &trackedBody{Reader: strings.NewReader(tt.body)}
	tt.bodies = append(tt.bodies, b)
	h := http.Header{}
	if tt.ctype != "" {
		h.Set("Content-Type", tt.ctype)
	}
	return &http.Response{StatusCode: tt.status, Header: h, Body: b, Request: r}, nil
}

func (tt *trackingTransport) allClosed() bool {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	for _, b := range tt.bodies {
		if !b.closed {
			return false
		}
	}
	return len(tt.bodies) > 0
}

// Every body is closed on every path: errors, early break, full read,
// a feed that fails to decode, and Open then Close.
func TestFeedBodiesClosed(t *testing.T) {
	const feed = "Product ID,Name\n1,a\n2,b\n3,c\n"
	for _, tc := range []struct {
		name   string
		tt     *trackingTransport
		breakN int // stop after this many values; 0 reads all
	}{
		{"status", &trackingTransport{status: 500, body: "oops"}, 0},
		{"html content type", &trackingTransport{status: 200, ctype: "text/html", body: feed}, 0},
		{"html body", &trackingTransport{status: 200, body: "<html><body>x</body></html>"}, 0},
		{"read all", &trackingTransport{status: 200, body: feed}, 0},
		{"break early", &trackingTransport{status: 200, body: feed}, 1},
		{"invalid feed", &trackingTransport{status: 200, body: "Name\na\n"}, 0},
	} {
		c, err := nexway.NewClient(nexway.WithTransport(tc.tt), nexway.WithFeedURL("https://feed.test/", nexway.FeedPathCatalog))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for range Products(context.Background(), c, testQuery, nil) {
			if n++; n == tc.breakN {
				break
			}
		}
		if !tc.tt.allClosed() {
			t.Errorf("%s: a body was left open", tc.name)
		}
	}
	tt := &trackingTransport{status: 200, body: feed}
	c, _ := nexway.NewClient(nexway.WithTransport(tt), nexway.WithFeedURL("https://feed.test/", nexway.FeedPathCatalog))
	body, err := c.Feed.Open(context.Background(), testQuery)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(body); string(b) != feed || body.Close() != nil || !tt.allClosed() {
		t.Fatalf("Open read %q, closed %v", b, tt.allClosed())
	}
}

// Bad arguments fail before any request.
func TestFeedArguments(t *testing.T) {
	tt := &trackingTransport{status: 200, body: "Product ID\n1\n"}
	bare, _ := nexway.NewClient(nexway.WithTransport(tt))
	c, _ := nexway.NewClient(nexway.WithTransport(tt), nexway.WithFeedURL("https://feed.test/", nexway.FeedPathV24))
	for name, call := range map[string]func() error{
		"no feed URL":  func() error { _, err := bare.Feed.Open(bg, testQuery); return err },
		"nil query":    func() error { _, err := c.Feed.Open(bg, nil); return err },
		"empty secret": func() error { _, err := c.Feed.Open(bg, &nexway.FeedQuery{Provider: "p", Config: "c"}); return err },
		"secret with space": func() error {
			_, err := c.Feed.Open(bg, &nexway.FeedQuery{Secret: "a b", Provider: "p", Config: "c"})
			return err
		},
		"empty provider": func() error {
			_, err := c.Feed.Open(bg, &nexway.FeedQuery{Secret: "s", Provider: " ", Config: "c"})
			return err
		},
		"config control": func() error {
			_, err := c.Feed.Open(bg, &nexway.FeedQuery{Secret: "s", Provider: "p", Config: "c\n"})
			return err
		},
		"bad options": func() error {
			for _, err := range Products(bg, c, testQuery, &Options{Separator: '\n'}) {
				return err
			}
			return nil
		},
	} {
		var ae *nexway.ArgumentError
		if err := call(); !errors.As(err, &ae) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if tt.calls != 0 {
		t.Fatalf("%d requests sent", tt.calls)
	}
}

func TestWithFeedURL(t *testing.T) {
	for _, tc := range []struct {
		opts []nexway.Option
		want string // "" for an error
	}{
		{[]nexway.Option{nexway.WithFeedURL(nexway.FeedProductionURL, nexway.FeedPathV24)}, ""},
		{[]nexway.Option{nexway.WithFeedURL(nexway.FeedProductionURL, nexway.FeedPathV24), nexway.WithInsecureHTTP()}, ""},
		{[]nexway.Option{nexway.WithFeedURL(nexway.FeedProductionURL, nexway.FeedPathV24), nexway.WithInsecureFeedHTTP()}, "http://webservices.nexway.com/flow/getcatalog/v2.4/"},
		{[]nexway.Option{nexway.WithInsecureFeedHTTP(), nexway.WithFeedURL(nexway.FeedStagingURL, "/"+nexway.FeedPathCatalog)}, "http://connect-uat.nexway.build/getCatalog.xml"},
		{[]nexway.Option{nexway.WithFeedURL("https://feeds.example/base", nexway.FeedPathV24)}, "https://feeds.example/base/flow/getcatalog/v2.4/"},
		{[]nexway.Option{nexway.WithFeedURL("https://feeds.example/flow/getcatalog/v2.5/", "")}, "https://feeds.example/flow/getcatalog/v2.5/"},
		{[]nexway.Option{nexway.WithFeedURL("http://127.0.0.1:8080", nexway.FeedPathCatalog)}, "http://127.0.0.1:8080/getCatalog.xml"},
		{[]nexway.Option{nexway.WithFeedURL("https://feeds.example/", "a?secret=x")}, ""},
		{[]nexway.Option{nexway.WithFeedURL("https://feeds.example/", "../admin")}, ""},
		{[]nexway.Option{nexway.WithFeedURL("https://feeds.example/?secret=x", "")}, ""},
		{[]nexway.Option{nexway.WithFeedURL("ftp://feeds.example/", "")}, ""},
		{nil, ""},
	} {
		c, err := nexway.NewClient(tc.opts...)
		switch {
		case tc.want == "" && len(tc.opts) > 0 && err == nil:
			t.Errorf("%v: no error, URL %q", tc.opts, c.Feed.URL())
		case tc.want != "" && (err != nil || c.Feed.URL() != tc.want):
			t.Errorf("want %q: %v", tc.want, err)
		case err != nil && !errors.Is(err, nexway.ErrInvalidArgument):
			t.Errorf("%v", err)
		}
	}
}

// A server that sends nothing for the timeout, before the answer or in
// the middle of the feed, fails the download with DeadlineExceeded; a
// consumer that takes longer than the timeout between products does not.
func TestFeedStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		headers := make(chan bool, 2) // true: send a few rows first
		headers <- false
		headers <- true
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if !<-headers {
				<-r.Context().Done()
				return nil, r.Context().Err()
			}
			pr, pw := io.Pipe()
			go func() {
				_, _ = io.WriteString(pw, "Product ID,Name\n1,a\n2,b\n")
				<-r.Context().Done()
				pw.CloseWithError(r.Context().Err())
			}()
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: pr}, nil
		})
		c, err := nexway.NewClient(nexway.WithTransport(rt), nexway.WithFeedURL("https://feed.test/", ""), nexway.WithTimeout(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = c.Feed.Open(context.Background(), testQuery)
		if !errors.Is(err, nexway.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Minute {
			t.Fatalf("waiting for the answer: %v after %v", err, time.Since(start))
		}
		start = time.Now()
		var got []int64
		var last error
		for p, err := range Products(context.Background(), c, testQuery, nil) {
			got = append(got, int64(p.ProductRef))
			last = err
		}
		if !slices.Equal(got, []int64{1, 2, 0}) || !errors.Is(last, context.DeadlineExceeded) || time.Since(start) != time.Minute {
			t.Fatalf("mid-feed: %v, %v after %v", got, last, time.Since(start))
		}

		// A slow consumer of a server that streams as asked.
		slow := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			body := feedgen.New(feedgen.Config{Count: 500, Seed: 1})
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(body)}, nil
		})
		c, _ = nexway.NewClient(nexway.WithTransport(slow), nexway.WithFeedURL("https://feed.test/", ""), nexway.WithTimeout(time.Minute))
		n := 0
		for _, err := range Products(context.Background(), c, testQuery, nil) {
			if err != nil {
				t.Fatalf("after %d products: %v", n, err)
			}
			n++
			time.Sleep(2 * time.Second) // 500 products: 1,000 seconds in all
		}
		if n != 500 {
			t.Fatalf("%d products", n)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Cancelling the context mid-feed ends it with context.Canceled.
func TestFeedContextCancelled(t *testing.T) {
	c := feedServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = feedgen.New(feedgen.Config{Count: 1000000, Seed: 1}).WriteTo(w)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range Products(ctx, c, testQuery, nil) {
		if n++; n == 10 {
			cancel()
		}
		last = err
	}
	if !errors.Is(last, context.Canceled) || n >= 1000000 {
		t.Fatalf("%d values, last %v", n, last)
	}
}

// An unreachable host: ErrUnavailable, and the *url.Error it carries
// shows the URL without the query's values.
func TestFeedConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c, _ := nexway.NewClient(nexway.WithFeedURL(srv.URL, nexway.FeedPathV24))
	_, err := c.Feed.Open(context.Background(), testQuery)
	var ue *url.Error
	if !errors.Is(err, nexway.ErrUnavailable) || !errors.As(err, &ue) || !strings.Contains(ue.URL, "secret=REDACTED") ||
		strings.Contains(err.Error(), testQuery.Secret) || strings.Contains(err.Error(), testQuery.Provider) {
		t.Fatalf("%v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err = c.Feed.Open(ctx, testQuery); !errors.Is(err, context.Canceled) || errors.Is(err, nexway.ErrUnavailable) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestFeedDebugLog(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := feedServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "Product ID\n1\n")
	}, nexway.WithLogger(logger))
	for range Products(context.Background(), c, testQuery, nil) {
	}
	line := logs.String()
	if !strings.Contains(line, "nexway feed") || !strings.Contains(line, "path=/flow/getcatalog/v2.4/") ||
		!strings.Contains(line, "status=200") || strings.Contains(line, "secret") {
		t.Fatalf("log %q", line)
	}
}
