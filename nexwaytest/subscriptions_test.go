package nexwaytest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var subShape = map[string]kind{
	"partnerOrderNumber": kString, "subscriptionId": kNumber, "productRef": kNumber, "status": kString,
	"expirationDate": kString, "generation": kNumber, "currentPartnerOrderNumber": kString,
	"responseCode": kNumber, "responseMessage": kString,
}

// subscribe creates an order of one subscription product and returns its
// subscription id.
func (e *env) subscribe(pon string, ref int) int {
	e.t.Helper()
	m := e.create(sampleOrder(pon, line(ref, 1)), 0)
	return num(e.t, arr(e.t, arr(e.t, m, "orderLines")[0], "lineItems")[0], "subscriptionId")
}

func (e *env) sub(method, path, pon string, id int) map[string]any {
	e.t.Helper()
	return e.json(method, path, map[string]any{"partnerOrderNumber": pon, "subscriptionId": id})
}

func TestSubscriptionStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.subscribe("PARTNER689", 733559)
	if id != 900001 {
		t.Fatalf("subscriptionId = %d", id)
	}
	m := e.sub("POST", "/connect/subscription", "PARTNER689", id)
	wantCode(t, m, 0)
	wantShape(t, "subscription", m, subShape)
	want := map[string]any{
		"partnerOrderNumber": "PARTNER689", "subscriptionId": 900001.0, "productRef": 733559.0, "status": "active",
		"expirationDate": "2027-01-15", "generation": 0.0, "currentPartnerOrderNumber": "PARTNER689",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	// subscriptionId as a string is accepted too.
	wantCode(t, e.json("POST", "/connect/subscription", map[string]any{"partnerOrderNumber": "PARTNER689", "subscriptionId": "900001"}), 0)
}

func TestSubscriptionCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.subscribe("S1", 733559)
	e.subscribe("S2", 733559)
	for _, path := range []string{"POST /connect/subscription", "PUT /connect/subscription", "PUT /connect/subscription/cancel", "PUT /connect/subscription/renew"} {
		method, p, _ := strings.Cut(path, " ")
		for _, tc := range []struct {
			name string
			body any
			want int
		}{
			{"empty body", "", 100},
			{"partnerOrderNumber missing", map[string]any{"subscriptionId": id}, 100},
			{"subscriptionId missing", map[string]any{"partnerOrderNumber": "S1"}, 110},
			{"subscriptionId zero", map[string]any{"partnerOrderNumber": "S1", "subscriptionId": 0}, 111},
			{"subscriptionId text", map[string]any{"partnerOrderNumber": "S1", "subscriptionId": "abc"}, 111},
			{"unknown id", map[string]any{"partnerOrderNumber": "S1", "subscriptionId": 123}, 1010},
			{"other order's id", map[string]any{"partnerOrderNumber": "S2", "subscriptionId": id}, 1010},
			{"unknown order", map[string]any{"partnerOrderNumber": "S9", "subscriptionId": id}, 1010},
		} {
			t.Run(path+"/"+tc.name, func(t *testing.T) {
				m := e.json(method, p, tc.body)
				wantCode(t, m, tc.want)
			})
		}
	}
}

func TestSubscriptionCancel(t *testing.T) {
	for _, path := range []string{"/connect/subscription", "/connect/subscription/cancel"} {
		t.Run(path, func(t *testing.T) {
			e := newEnv(t)
			id := e.subscribe("SC", 733559)
			m := e.sub("PUT", path, "SC", id)
			wantCode(t, m, 0)
			wantShape(t, "cancel", m, subShape)
			if m["status"] != "cancelled" || m["expirationDate"] != "2027-01-15" {
				t.Fatalf("after cancel: %v", m)
			}
			wantCode(t, e.sub("PUT", path, "SC", id), 1011)
			wantCode(t, e.sub("PUT", "/connect/subscription/renew", "SC", id), 1011)
			// Licence valid until the expiration date, then expired; no renewal.
			e.s.Advance(t0.AddDate(1, 0, 0).Sub(t0) - time.Second)
			if m := e.sub("POST", "/connect/subscription", "SC", id); m["status"] != "cancelled" {
				t.Fatalf("before expiry: %v", m["status"])
			}
			e.s.Advance(time.Second)
			m = e.sub("POST", "/connect/subscription", "SC", id)
			if m["status"] != "expired" || m["generation"] != 0.0 || m["currentPartnerOrderNumber"] != "SC" {
				t.Fatalf("after expiry: %v", m)
			}
			if _, ok := e.s.Order("SC-1"); ok {
				t.Fatal("cancelled subscription renewed")
			}
		})
	}
}

func TestAutomaticRenewal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.subscribe("CB", 733570) // monthly
	first := e.s.Orders()[0].Lines[0].Keys[0]
	// Three months and a day later, lazily on the next request.
	e.clock.Set(t0.AddDate(0, 3, 1))
	m := e.sub("POST", "/connect/subscription", "CB", id)
	wantCode(t, m, 0)
	if m["generation"] != 3.0 || m["currentPartnerOrderNumber"] != "CB-3" || m["status"] != "active" ||
		m["expirationDate"] != "2026-05-15" || m["partnerOrderNumber"] != "CB" || m["subscriptionId"] != float64(id) {
		t.Fatalf("after 3 periods: %v", m)
	}
	keys := map[string]bool{first: true}
	for g := 1; g <= 3; g++ {
		pon := fmt.Sprintf("CB-%d", g)
		o := e.json("GET", "/connect/order/"+pon, nil)
		wantCode(t, o, 0)
		checkOrderShape(t, o)
		ks := serials(t, o)
		if len(ks) != 1 || len(ks[0]) != 1 || !strings.HasPrefix(ks[0][0], "CBK-") || keys[ks[0][0]] {
			t.Fatalf("%s serials = %v (seen %v)", pon, ks, keys)
		}
		keys[ks[0][0]] = true
		if sid := num(t, arr(t, arr(t, o, "orderLines")[0], "lineItems")[0], "subscriptionId"); sid != id {
			t.Errorf("%s subscriptionId = %d", pon, sid)
		}
		snap, _ := e.s.Order(pon)
		if !snap.Renewal || !snap.Created.Equal(t0.AddDate(0, g, 0)) {
			t.Errorf("%s snapshot = %+v", pon, snap)
		}
		// Status accepts the renewal's number too.
		wantCode(t, e.sub("POST", "/connect/subscription", pon, id), 0)
	}
	wantCode(t, e.sub("POST", "/connect/subscription", "CB-4", id), 1010)
	if orders := e.s.Orders(); len(orders) != 4 || orders[3].PartnerOrderNumber != "CB-3" || orders[3].OrderNumber != 10000004 {
		t.Fatalf("orders = %+v", orders)
	}

	// Advance processes renewals itself, with no request.
	e.s.Advance(t0.AddDate(0, 4, 0).Sub(t0.AddDate(0, 3, 1)))
	if _, ok := e.s.Order("CB-4"); !ok {
		t.Fatal("Advance did not renew")
	}
}

func TestRenewNow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.subscribe("RN", 733559)
	m := e.sub("PUT", "/connect/subscription/renew", "RN", id)
	wantCode(t, m, 0)
	wantShape(t, "renew", m, subShape)
	if m["generation"] != 1.0 || m["currentPartnerOrderNumber"] != "RN-1" || m["expirationDate"] != "2028-01-15" || m["status"] != "active" {
		t.Fatalf("after renew: %v", m)
	}
	o := e.json("GET", "/connect/order/RN-1", nil)
	wantCode(t, o, 0)
	if ks := serials(t, o); len(ks[0]) != 1 || !strings.HasPrefix(ks[0][0], "VPN-") {
		t.Fatalf("renewal serials = %v", ks)
	}
	if snap, _ := e.s.Order("RN-1"); !snap.Created.Equal(t0) {
		t.Errorf("renew-now order created %v", snap.Created)
	}
	// The automatic renewal now falls due one period later.
	e.s.Advance(t0.AddDate(1, 0, 0).Sub(t0))
	if _, ok := e.s.Order("RN-2"); ok {
		t.Fatal("renewed early")
	}
	e.s.Advance(t0.AddDate(2, 0, 0).Sub(t0.AddDate(1, 0, 0)))
	if _, ok := e.s.Order("RN-2"); !ok {
		t.Fatal("not renewed at the new expiry")
	}
}

func TestCancelOrderKillsSubscription(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.subscribe("KILL", 733570)
	e.s.Advance(48 * time.Hour)
	wantCode(t, e.json("PUT", "/connect/order/cancel", map[string]any{"partnerOrderNumber": "KILL", "reasonCode": 2}), 0)
	m := e.sub("POST", "/connect/subscription", "KILL", id)
	if m["status"] != "expired" || m["expirationDate"] != "2026-01-17" {
		t.Fatalf("after order cancel: %v", m)
	}
	e.s.Advance(90 * 24 * time.Hour)
	if _, ok := e.s.Order("KILL-1"); ok {
		t.Fatal("killed subscription renewed")
	}
	wantCode(t, e.sub("PUT", "/connect/subscription", "KILL", id), 1011)
}

func TestBatchSubscriptionRenewalWaitsForKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.s.AddProducts(Product{Ref: 50, Name: "Batch Sub", Currency: "EUR", Delivery: DeliverySerial, SubscriptionPeriod: "P1M"}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.AddKeys(50, "BS-1"); err != nil {
		t.Fatal(err)
	}
	id := e.subscribe("BS", 50)
	e.s.Advance(t0.AddDate(0, 1, 0).Sub(t0))
	o := e.json("GET", "/connect/order/BS-1", nil)
	wantCode(t, o, 0) // the renewal order exists, its unit has no key yet
	item := arr(t, arr(t, o, "orderLines")[0], "lineItems")[0]
	if num(t, item, "responseCode") != 1051 || len(arr(t, item, "serials")) != 0 || num(t, item, "subscriptionId") != id {
		t.Fatalf("item = %v", item)
	}
	if err := e.s.AddKeys(50, "BS-2"); err != nil {
		t.Fatal(err)
	}
	o = e.json("GET", "/connect/order/BS-1", nil)
	if ks := serials(t, o); len(ks[0]) != 1 || ks[0][0] != "BS-2" {
		t.Fatalf("after restock: %v", ks)
	}
}
