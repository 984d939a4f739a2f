package fake

import (
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

	// Requests returns copies.
	reqs[0].Body[0] = 'X'
	reqs[0].Header.Set("secret", "changed")
	if again := e.s.Requests(); string(again[0].Body) != body || again[0].Header.Get("secret") != "test-secret" {
		t.Error("log aliased by its copy")
	}
	e.s.ResetRequests()
	if n := len(e.s.Requests()); n != 0 {
		t.Fatalf("%d after reset", n)
	}
	e.call("GET", "/connect/catalog/oslist", nil)
	if n := len(e.s.Requests()); n != 1 {
		t.Fatalf("%d after one more", n)
	}
}
