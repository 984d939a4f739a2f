package nexwaytest

import (
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"
)

// direct is a fake called through ServeHTTP, so that it runs inside a
// synctest bubble, whose clock the rate limit then reads.
type direct struct {
	t *testing.T
	s *Server
}

func newDirect(t *testing.T, mod ...func(*config)) direct {
	t.Helper()
	cfg := config{clock: newManualClock(t0), seed: 1, secrets: []string{"gb-secret", "us-secret"}}
	for _, m := range mod {
		m(&cfg)
	}
	s := newUnstarted(cfg)
	if err := s.seedDefaults(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return direct{t, s}
}

// do serves one request with the given secret and returns the answer.
func (d direct) do(method, path, secret, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if secret != "" {
		req.Header.Set("secret", secret)
	}
	rec := httptest.NewRecorder()
	d.s.ServeHTTP(rec, req)
	return rec
}

func (d direct) stock(secret string) *httptest.ResponseRecorder {
	return d.do("POST", "/connect/stock", secret, `{"productRefs":[733551]}`)
}

// wantStatuses sends a stock request per expected status, in one instant.
func (d direct) wantStatuses(secret string, want ...int) {
	d.t.Helper()
	for i, w := range want {
		if rec := d.stock(secret); rec.Code != w {
			d.t.Fatalf("request %d with %s: HTTP %d, want %d", i, secret, rec.Code, w)
		}
	}
}

func TestRateLimitOffByDefault(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := newDirect(t)
		for range 100 {
			d.wantStatuses("gb-secret", 200)
		}
		if c := d.s.Counts()[RouteStock]; c != (RouteCount{Requests: 100}) {
			t.Errorf("counts %+v", c)
		}
	})
}

// Each secret has its own bucket of burst requests, refilled at the rate
// on the wall clock; a refusal says when the next request fits.
func TestRateLimitPerSecret(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDirect(t)
		d.s.SetRateLimit(10, 3)
		d.wantStatuses("gb-secret", 200, 200, 200, 429)
		d.wantStatuses("us-secret", 200, 200, 200, 429, 429)

		rec := d.stock("gb-secret")
		if rec.Code != 429 || rec.Header().Get("Retry-After") != "1" || !strings.Contains(rec.Body.String(), "429 Too Many Requests") {
			t.Fatalf("HTTP %d Retry-After %q: %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
		time.Sleep(100 * time.Millisecond) // one more token, on the bubble's clock
		d.wantStatuses("gb-secret", 200, 429)

		// Missing and unknown secrets are not counted: 70 and 71 as ever.
		for range 5 {
			for _, secret := range []string{"", "nope"} {
				if rec := d.stock(secret); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"responseCode":7`) {
					t.Fatalf("secret %q: HTTP %d %s", secret, rec.Code, rec.Body)
				}
			}
		}
		// Nor are the IAM routes.
		for range 5 {
			if rec := d.do("POST", "/iam/tokens", "gb-secret", `{"realmName":"r","grantType":"client_credentials"}`); rec.Code != 200 {
				t.Fatalf("token: HTTP %d", rec.Code)
			}
		}

		want := map[string]int{"gb-secret": 3, "us-secret": 2}
		if got := d.s.RateLimited(); !maps.Equal(got, want) {
			t.Errorf("RateLimited = %v, want %v", got, want)
		}
		if c := d.s.Counts()[RouteStock]; c != (RouteCount{Requests: 22, RateLimited: 5}) {
			t.Errorf("counts %+v", c)
		}
		var limited int
		for _, r := range d.s.Requests() {
			if r.RateLimited {
				limited++
				if r.Status != 429 || r.Fault != "" {
					t.Errorf("refusal logged as %+v", r)
				}
			}
		}
		if limited != 5 {
			t.Errorf("%d refusals in the log, want 5", limited)
		}

		d.s.ResetRequests()
		if n := len(d.s.RateLimited()); n != 0 {
			t.Errorf("%d secrets counted after ResetRequests", n)
		}
	})
}

// A refused request is not processed: no order, no key drawn, and the
// fault queued for the route waits for the next admitted request.
func TestRateLimitProcessesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDirect(t, func(c *config) { c.rateLimit, c.rateBurst = 1, 1 })
		d.wantStatuses("gb-secret", 200)
		keys := d.s.KeysLeft(733551)
		d.s.InjectFault(RouteCreateOrder, Fault{Kind: FaultCode, Code: 1000})
		body := string(mustJSON(t, sampleOrder("RL-1")))
		if rec := d.do("POST", "/connect/order/new", "gb-secret", body); rec.Code != 429 {
			t.Fatalf("HTTP %d", rec.Code)
		}
		if _, ok := d.s.Order("RL-1"); ok || d.s.KeysLeft(733551) != keys {
			t.Fatal("a refused order was processed")
		}
		time.Sleep(time.Second)
		if rec := d.do("POST", "/connect/order/new", "gb-secret", body); !strings.Contains(rec.Body.String(), `"responseCode":1000`) {
			t.Fatalf("the queued fault did not wait for an admitted request: HTTP %d %s", rec.Code, rec.Body)
		}
	})
}

// Retry-After is the wait for the next token, in whole seconds rounded up.
func TestRateLimitRetryAfter(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		r    rate.Limit
		want string
	}{
		{10, "1"},
		{1, "1"},
		{0.4, "3"}, // 2.5 s
		{rate.Every(time.Hour), "3600"},
		{1e-300, "31536000"}, // capped at a year
	} {
		synctest.Test(t, func(t *testing.T) {
			d := newDirect(t)
			d.s.SetRateLimit(c.r, 1)
			d.wantStatuses("gb-secret", 200)
			if got := d.stock("gb-secret").Header().Get("Retry-After"); got != c.want {
				t.Errorf("rate %v: Retry-After %q, want %q", c.r, got, c.want)
			}
		})
	}
}

// SetRateLimit starts every secret with a full burst; a rate of 0, NaN or
// rate.Inf turns the limit off, and a burst under 1 counts as 1.
func TestSetRateLimit(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := newDirect(t)
		d.s.SetRateLimit(1, 0)
		d.wantStatuses("gb-secret", 200, 429)
		d.s.SetRateLimit(1, 2)
		d.wantStatuses("gb-secret", 200, 200, 429)
		for _, off := range []rate.Limit{0, -1, rate.Inf, rate.Limit(math.NaN())} {
			d.s.SetRateLimit(off, 1)
			d.wantStatuses("gb-secret", 200, 200, 200)
		}
		if got := d.s.RateLimited()["gb-secret"]; got != 2 {
			t.Errorf("RateLimited = %d, want 2 (kept across SetRateLimit)", got)
		}
	})
}

// The limit and the queued 429 fault answer alike.
func TestRateLimitAnswersLikeTheFault(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := newDirect(t)
		d.s.InjectFault(RouteStock, Fault{Kind: FaultRateLimit})
		fault := d.stock("gb-secret")
		d.s.SetRateLimit(1, 1)
		d.wantStatuses("gb-secret", 200)
		limit := d.stock("gb-secret")
		if fault.Code != limit.Code || fault.Body.String() != limit.Body.String() ||
			!maps.EqualFunc(fault.Header(), limit.Header(), func(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }) {
			t.Errorf("fault: %d %v %s\nlimit: %d %v %s", fault.Code, fault.Header(), fault.Body, limit.Code, limit.Header(), limit.Body)
		}
		if limit.Code != http.StatusTooManyRequests {
			t.Errorf("HTTP %d", limit.Code)
		}
	})
}
