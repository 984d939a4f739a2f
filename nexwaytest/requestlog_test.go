package nexwaytest

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestRequestLog(t *testing.T) {
	e := newEnv(t)
	body := `{"productRefs":[733551]}`
	e.call("POST", "/connect/stock", body, "X-Request-Id", "abc")
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
		r.Header.Get("secret") != "test-secret" || r.Header.Get("X-Request-Id") != "abc" {
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

// The log keeps the newest maxLogged entries; Counts keeps every request.
func TestRequestLogBounded(t *testing.T) {
	e := newEnv(t)
	n := maxLogged + maxLogged/2 + 3
	for range n { // straight to the handler: 150,000 loopback calls are slow
		e.s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/connect/catalog/oslist", nil))
	}
	reqs := e.s.Requests()
	if len(reqs) > maxLogged || len(reqs) < maxLogged/2 {
		t.Errorf("%d entries logged, want between %d and %d", len(reqs), maxLogged/2, maxLogged)
	}
	if c := e.s.Counts()[RouteOSList]; c.Requests != n {
		t.Errorf("counted %d, want %d", c.Requests, n)
	}
}
