package nexwaytest

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRequestLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := `{"productRefs":[733551]}`
	before := time.Now()
	e.call("POST", "/connect/stock", body, "X-Request-Id", "abc")
	after := time.Now()
	e.s.Advance(time.Minute)
	e.s.InjectFault(RouteGetOrder, Fault{Kind: FaultStatus, Status: 500})
	e.call("GET", "/connect/order/PARTNER689", nil)
	e.call("PUT", "/connect/subscription/cancel", `{}`)
	e.call("GET", "/nowhere", nil)

	reqs := e.s.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests logged", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/connect/stock" || r.Route != RouteStock || string(r.Body) != body ||
		r.Status != 200 || r.Fault != "" || !r.Time.Equal(t0) ||
		r.Header.Get("secret") != "test-secret" || r.Header.Get("X-Request-Id") != "abc" ||
		r.WallTime.Before(before) || r.WallTime.After(after) || r.RateLimited {
		t.Errorf("first = %+v", r)
	}
	r = reqs[1]
	if r.Route != RouteGetOrder || r.Path != "/connect/order/PARTNER689" || r.Status != 500 || r.Fault != "status" || !r.Time.Equal(t0.Add(time.Minute)) {
		t.Errorf("second = %+v", r)
	}
	if reqs[2].Route != RouteSubscriptionCancel || reqs[2].Path != "/connect/subscription/cancel" {
		t.Errorf("alias route = %+v", reqs[2])
	}
	if reqs[3].Route != "" || reqs[3].Status != 404 {
		t.Errorf("unknown route = %+v", reqs[3])
	}

	counts := e.s.Counts()
	if counts[RouteStock] != (RouteCount{Requests: 1}) || counts[RouteGetOrder] != (RouteCount{Requests: 1, Faulted: 1}) || counts[""] != (RouteCount{Requests: 1}) {
		t.Errorf("counts = %v", counts)
	}

	// Requests returns copies.
	reqs[0].Body[0] = 'X'
	reqs[0].Header.Set("secret", "changed")
	if again := e.s.Requests(); string(again[0].Body) != body || again[0].Header.Get("secret") != "test-secret" {
		t.Error("log aliased by its copy")
	}
	e.s.ResetRequests()
	if n := len(e.s.Requests()); n != 0 || len(e.s.Counts()) != 0 {
		t.Fatalf("%d requests, counts %v after reset", n, e.s.Counts())
	}
	e.call("GET", "/connect/catalog/oslist", nil)
	if n := len(e.s.Requests()); n != 1 {
		t.Fatalf("%d after one more", n)
	}
}

// The log keeps the newest entries up to its count; Counts keeps every
// request.
func TestRequestLogBoundedByCount(t *testing.T) {
	t.Parallel()
	const limit = 1000
	e := newEnv(t, func(cfg *config) { cfg.logRequests = limit })
	n := 2*limit + limit/2 + 3
	for i := range n { // straight to the handler: loopback calls are slow
		e.s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", fmt.Sprint("/connect/order/", i), nil))
	}
	reqs := e.s.Requests()
	if len(reqs) != limit {
		t.Fatalf("%d entries logged, want %d", len(reqs), limit)
	}
	for i, r := range reqs {
		if want := fmt.Sprint("/connect/order/", n-limit+i); r.Path != want {
			t.Fatalf("entry %d is %s, want %s: not the latest, in order", i, r.Path, want)
		}
	}
	if got := e.s.Counts()[RouteGetOrder].Requests; got != n {
		t.Errorf("counted %d, want %d", got, n)
	}
}

func TestRequestLogLimits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		requests, wantRequests int
		bytes, wantBytes       int64
	}{
		{0, defaultLogRequests, 0, defaultLogBytes},
		{-1, 100000, -1, 64 << 20}, // the documented defaults
		{5, 5, 7, 7},
	} {
		var cfg config
		WithRequestLogLimit(c.requests, c.bytes)(&cfg)
		if r, b := cfg.logLimits(); r != c.wantRequests || b != c.wantBytes {
			t.Errorf("WithRequestLogLimit(%d, %d): %d requests, %d bytes", c.requests, c.bytes, r, b)
		}
	}
}

// The log keeps the newest entries whose headers and bodies fit its byte
// bound, and always the latest one.
func TestRequestLogBoundedByBytes(t *testing.T) {
	t.Parallel()
	const limit = 10000
	e := newEnv(t, func(cfg *config) { cfg.logBytes = limit })
	send := func(i, size int) {
		req := httptest.NewRequest("POST", "/connect/stock", strings.NewReader(strings.Repeat("x", size)))
		req.Header.Set("X-Seq", fmt.Sprint(i))
		e.s.ServeHTTP(httptest.NewRecorder(), req)
	}
	for i := range 100 {
		send(i, 500+i)
	}
	reqs := e.s.Requests()
	var total int64
	for i, r := range reqs {
		total += entrySize(&r)
		if want := fmt.Sprint(100 - len(reqs) + i); r.Header.Get("X-Seq") != want {
			t.Fatalf("entry %d is request %s, want %s", i, r.Header.Get("X-Seq"), want)
		}
	}
	// Full: the next older request (599 bytes of body and more) would not fit.
	if total > limit || total+599 <= limit {
		t.Errorf("%d requests of %d bytes kept, bound %d", len(reqs), total, limit)
	}
	if e.s.Counts()[RouteStock].Requests != 100 {
		t.Errorf("counts %v", e.s.Counts())
	}

	// A request larger than the bound is kept, alone.
	send(100, 2*limit)
	if reqs := e.s.Requests(); len(reqs) != 1 || len(reqs[0].Body) != 2*limit {
		t.Fatalf("%d entries after a large one", len(reqs))
	}
	send(101, 10)
	if reqs := e.s.Requests(); len(reqs) != 1 || reqs[0].Header.Get("X-Seq") != "101" {
		t.Fatalf("%d entries, the last %q", len(reqs), reqs[len(reqs)-1].Header.Get("X-Seq"))
	}
}
