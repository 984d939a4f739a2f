package nexwaytest

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func ponsOf(orders []OrderSnapshot) []string {
	out := make([]string, len(orders))
	for i, o := range orders {
		out[i] = o.PartnerOrderNumber
	}
	return out
}

// A forgotten order answers as an unknown one, everywhere, and its number
// can be used again.
func TestOrderRetention(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config) { c.orderRetention = 3 })
	if err := e.s.HoldNext(1, 1060); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		e.create(sampleOrder(fmt.Sprint("RET-", i), line(733552, 1)), map[bool]int{true: 1060, false: 0}[i == 0])
	}
	if got, want := ponsOf(e.s.Orders()), []string{"RET-2", "RET-3", "RET-4"}; !slices.Equal(got, want) {
		t.Fatalf("orders kept %q, want %q", got, want)
	}
	for _, pon := range []string{"RET-0", "RET-1"} {
		if _, ok := e.s.Order(pon); ok {
			t.Errorf("%s still readable", pon)
		}
		wantCode(t, e.json("GET", "/connect/order/"+pon, nil), 1010)
		wantCode(t, e.json("GET", "/connect/order/"+pon+"/download", nil), 1010)
		wantCode(t, e.json("PUT", "/connect/order/cancel", map[string]any{"partnerOrderNumber": pon, "reasonCode": 3}), 1010)
		wantCode(t, e.json("PUT", "/connect/order/download", map[string]any{"partnerOrderNumber": pon, "value": "P7D"}), 1010)
	}
	if err := e.s.Release("RET-0"); err == nil {
		t.Error("a forgotten pending order was released")
	}
	wantCode(t, e.json("GET", "/connect/order/RET-2", nil), 0)

	// The number is free again; storing it forgets the oldest kept.
	e.create(sampleOrder("RET-0", line(733552, 1)), 0)
	if got, want := ponsOf(e.s.Orders()), []string{"RET-3", "RET-4", "RET-0"}; !slices.Equal(got, want) {
		t.Fatalf("orders kept %q, want %q", got, want)
	}
}

func TestOrderRetentionOffByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 20 {
		e.create(sampleOrder(fmt.Sprint("ALL-", i), line(733552, 1)), 0)
	}
	if n := len(e.s.Orders()); n != 20 {
		t.Fatalf("%d orders kept, want all 20", n)
	}
}

// The subscriptions of a forgotten order go with it; a renewal order is
// an order like any other, and storing it may forget a subscription that
// the renewal pass has not reached yet.
func TestOrderRetentionForgetsSubscriptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config) { c.orderRetention = 2 })
	// P is stored first but its subscription starts after Q's, at Release:
	// the renewal pass meets Q's first, and storing Q-1 forgets P.
	if err := e.s.HoldNext(1, 1060); err != nil {
		t.Fatal(err)
	}
	e.create(sampleOrder("P", line(733559, 1)), 1060)
	q := e.subscribe("Q", 733559)
	if err := e.s.Release("P"); err != nil {
		t.Fatal(err)
	}
	p := q + 1
	wantCode(t, e.sub("POST", "/connect/subscription", "P", p), 0)

	e.s.Advance(366 * 24 * time.Hour)
	if got, want := ponsOf(e.s.Orders()), []string{"Q", "Q-1"}; !slices.Equal(got, want) {
		t.Fatalf("orders %q, want %q", got, want)
	}
	wantCode(t, e.sub("POST", "/connect/subscription", "P", p), 1010)
	wantCode(t, e.sub("PUT", "/connect/subscription/renew", "P", p), 1010)
	wantCode(t, e.sub("POST", "/connect/subscription", "Q", q), 0)
}

// Forgotten subscriptions leave the renewal list once they are half of it.
func TestOrderRetentionCompactsSubscriptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config) { c.orderRetention = 100 })
	for i := range 400 {
		e.create(sampleOrder(fmt.Sprint("SUB-", i), line(733559, 1)), 0)
	}
	e.s.mu.Lock()
	subs, live := len(e.s.subs), len(e.s.subByID)
	for _, sub := range e.s.subs {
		if e.s.subByID[sub.id] == sub {
			live--
		}
	}
	e.s.mu.Unlock()
	if subs > 2*100+minSubsCompacted || live != 0 {
		t.Fatalf("%d subscriptions listed for 100 kept; %d kept ones not listed", subs, live)
	}
	e.s.Advance(366 * 24 * time.Hour)
	var renewals int
	for _, o := range e.s.Orders() {
		if o.Renewal {
			renewals++
		}
	}
	if renewals == 0 {
		t.Error("no subscription renewed")
	}
}

// Expired tokens are forgotten; valid ones never are.
func TestExpiredTokensForgotten(t *testing.T) {
	e := iamEnv(t)
	first := e.login()
	for range 3 * minTokenSweep {
		e.login()
	}
	stock := map[string]any{"productRefs": []int{733551}}
	wantCode(t, e.json("POST", "/connect/stock", stock, bearer(first)...), 0)
	e.s.mu.Lock()
	access, refresh := len(e.s.access), len(e.s.refresh)
	e.s.mu.Unlock()
	if want := 3*minTokenSweep + 1; access != want || refresh != want {
		t.Fatalf("%d access and %d refresh tokens, want %d of each", access, refresh, want)
	}

	e.s.Advance(600 * time.Second) // past both lifetimes
	for range minTokenSweep {
		e.login()
	}
	e.s.mu.Lock()
	access, refresh = len(e.s.access), len(e.s.refresh)
	e.s.mu.Unlock()
	if access > minTokenSweep || refresh > minTokenSweep {
		t.Fatalf("%d access and %d refresh tokens kept, want at most the %d valid ones", access, refresh, minTokenSweep)
	}
	status, m := e.call("POST", "/connect/stock", stock, bearer(first)...)
	if status != 401 || decodeObject(t, m)["error"] != "invalid_token" {
		t.Errorf("forgotten token: HTTP %d %s", status, m)
	}
	status, r := e.token(map[string]any{"realmName": "partner", "grantType": "refresh_token", "refreshToken": first["refresh_token"]})
	if status != 401 || r["error"] != "invalid_grant" {
		t.Errorf("forgotten refresh token: HTTP %d %v", status, r)
	}
}
