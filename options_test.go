package nexway

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A bad option fails NewClient with an error naming the option.
func TestNewClientOptions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []Option
		field string // the option the error names; "" when valid
	}{
		{"defaults", nil, ""},
		{"staging", []Option{WithBaseURL(StagingURL)}, ""},
		{"http loopback", []Option{WithBaseURL("http://127.0.0.1:8080")}, ""},
		{"http localhost", []Option{WithBaseURL("http://localhost:8080/")}, ""},
		{"http IPv6 loopback", []Option{WithBaseURL("http://[::1]:8080/")}, ""},
		{"http remote", []Option{WithBaseURL("http://api.nexway.store/")}, "WithBaseURL"},
		{"http remote opted in", []Option{WithBaseURL("http://10.0.0.5/"), WithInsecureHTTP()}, ""},
		{"http token remote", []Option{WithTokenURL("http://iam.example/iam/tokens")}, "WithTokenURL"},
		{"relative", []Option{WithBaseURL("/connect")}, "WithBaseURL"},
		{"ftp", []Option{WithBaseURL("ftp://api.nexway.store/")}, "WithBaseURL"},
		{"user info", []Option{WithBaseURL("https://user:pw@api.nexway.store/")}, "WithBaseURL"},
		{"query", []Option{WithBaseURL("https://api.nexway.store/?x=1")}, "WithBaseURL"},
		{"token query", []Option{WithTokenURL("https://iam.example/?x=1")}, "WithTokenURL"},
		{"credentials", []Option{WithCredentials("realm", "s")}, ""},
		{"no realm", []Option{WithCredentials("", "s")}, "WithCredentials"},
		{"no client secret", []Option{WithCredentials("realm", "")}, "WithCredentials"},
		{"empty secret", []Option{WithSecret("")}, "secret"},
		{"secret with newline", []Option{WithSecret("ab\ncd")}, "secret"},
		{"client and transport", []Option{WithHTTPClient(&http.Client{}), WithTransport(http.DefaultTransport)}, "WithTransport"},
		{"nil client", []Option{WithHTTPClient(nil)}, "WithHTTPClient"},
		{"nil transport", []Option{WithTransport(nil)}, "WithTransport"},
		{"zero timeout", []Option{WithTimeout(0)}, "WithTimeout"},
		{"user agent", []Option{WithUserAgent("shop/1.2")}, ""},
		{"user agent newline", []Option{WithUserAgent("shop\r\nX: y")}, "WithUserAgent"},
		{"zero rate", []Option{WithRateLimit(0, 1)}, "WithRateLimit"},
		{"zero burst", []Option{WithRateLimit(5, 0)}, "WithRateLimit"},
		{"nil limiter", []Option{WithRateLimiter(nil)}, "WithRateLimiter"},
		{"negative retries", []Option{WithRetryPolicy(RetryPolicy{MaxRetries: -1})}, "WithRetryPolicy"},
		{"min wait over max", []Option{WithRetryPolicy(RetryPolicy{MinWait: time.Second, MaxWait: time.Millisecond})}, "WithRetryPolicy"},
		{"nil logger", []Option{WithLogger(nil)}, "WithLogger"},
		{"cancel path query", []Option{WithSubscriptionCancelPath("connect/x?y")}, "WithSubscriptionCancelPath"},
	} {
		_, err := NewClient(tc.opts...)
		var ae *ArgumentError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.field != "" && (!errors.As(err, &ae) || ae.Field != tc.field || !errors.Is(err, ErrInvalidArgument)):
			t.Errorf("%s: err = %v, want an invalid argument naming %s", tc.name, err, tc.field)
		}
	}
}

func TestDefaultTokenURL(t *testing.T) {
	t.Parallel()
	for base, want := range map[string]string{
		ProductionURL:               ProductionTokenURL,
		StagingURL:                  StagingTokenURL,
		"http://127.0.0.1:9/":       "http://127.0.0.1:9/iam/tokens",
		"https://proxy.test/nexway": "https://proxy.test/nexway/iam/tokens",
	} {
		cfg := defaultConfig()
		if err := WithBaseURL(base)(&cfg); err != nil {
			t.Fatal(err)
		}
		if err := cfg.finish(); err != nil {
			t.Fatal(err)
		}
		if cfg.tokenURL != want {
			t.Errorf("token URL for %s = %s, want %s", base, cfg.tokenURL, want)
		}
	}
}

// The user agent goes on API and token requests alike.
func TestUserAgentAppended(t *testing.T) {
	t.Parallel()
	m := newMock(t, WithUserAgent("shop/1.2"), withCreds)
	var agents []string
	record := func(r *http.Request) { agents = append(agents, r.Header.Get("User-Agent")) }
	m.RegisterResponder(http.MethodPost, testBase+"iam/tokens", func(r *http.Request) (*http.Response, error) {
		record(r)
		return m.tokens.respond(r)
	})
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, record))
	stock(t, m.c)
	want := "nexway-go/" + Version + " shop/1.2"
	if len(agents) != 2 || agents[0] != want || agents[1] != want {
		t.Errorf("User-Agent of the token and stock requests = %q, want %q", agents, want)
	}
}

// A redirect is not followed: the other host never sees the secret or the
// token, and the call fails with a typed error.
func TestRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/iam/tokens" {
			w.Write([]byte(`{"access_token":"tok","expires_in":300}`))
			return
		}
		http.Redirect(w, r, other.URL+"/connect/stock", http.StatusTemporaryRedirect)
	}))
	defer api.Close()
	c, err := NewClient(WithBaseURL(api.URL), WithSecret(testSecret), WithCredentials(testRealm, testClient))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	_, err = c.Stock.Status(bg, []ProductRef{1})
	if !errors.Is(err, ErrInvalidResponse) {
		t.Fatalf("%v, want ErrInvalidResponse", err)
	}
	if leaked.Load() != 0 {
		t.Error("the client followed the redirect to another host")
	}
}

// The caller's http.Client is copied, its transport used, its redirect
// policy replaced.
func TestWithHTTPClient(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, nil))
	hc := &http.Client{Transport: m, Timeout: time.Minute}
	c, err := NewClient(WithBaseURL(testBase), WithSecret(testSecret), WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	stock(t, c)
	if hc.Transport != m || hc.CheckRedirect != nil {
		t.Error("the caller's client was modified")
	}
	if m.calls(http.MethodPost, "connect/stock") != 1 {
		t.Error("the caller's transport was not used")
	}
}

// The debug log has one line per attempt and nothing secret.
func TestLogger(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := newMock(t, withCreds, WithLogger(logger))
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", sequence(respond(503, "", nil), respond(200, stockOK, nil)))
	stock(t, m.c)
	out := buf.String()
	if n := strings.Count(out, "nexway attempt"); n != 2 {
		t.Errorf("%d attempt lines, want 2:\n%s", n, out)
	}
	mustContain(t, out, "op=StockStatus")
	mustContain(t, out, "status=503")
	// The duration is the attempt's own, not time since the zero time.
	for _, field := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(field, "duration="); ok {
			if d, err := time.ParseDuration(v); err != nil || d < 0 || d > time.Minute {
				t.Errorf("attempt duration %q", v)
			}
		}
	}
	if strings.Count(out, "duration=") != 2 {
		t.Errorf("want a duration on each attempt line:\n%s", out)
	}
	for _, leak := range []string{testSecret, testClient, "tok-1"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaks %q:\n%s", leak, out)
		}
	}
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithBaseURL("https://proxy.test/nexway"))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "https://proxy.test/nexway/" {
		t.Errorf("BaseURL = %s", c.BaseURL())
	}
}
