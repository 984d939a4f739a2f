package nexwaytest

import (
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"
)

var soakOrders = flag.Int("soak.n", 4000, "orders TestMemoryFlat sends (200000 for the README's figure)")

// Bounds of TestMemoryFlat's fake: small, so that they fill during the
// warm-up, and the memory they hold is the plateau.
const (
	soakRetention = 500
	soakLogBytes  = 8 << 20
	soakBodyBytes = 16 << 10 // a create-order body, padded
	soakSamples   = 20
	// soakSlack is how far the live heap may rise above its level at the
	// end of the warm-up, where it varies by some 100 KiB. Kept for ever,
	// the orders (some 700 bytes each) would pass it within 800 orders,
	// the tokens (two an order, some 350 bytes the pair) within 1,500.
	soakSlack = 512 << 10
)

// heapLive returns the bytes of live heap objects, after a collection.
func heapLive() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// A fake that takes order after order, each with a large body and a new
// token, its clock moving a second an order, keeps a flat heap once its
// request log, its order retention and its tokens' lifetimes are full.
// It reports the live heap at intervals; -soak.n sets the run's length.
func TestMemoryFlat(t *testing.T) {
	n := *soakOrders
	if n < 4*soakRetention {
		t.Fatalf("-soak.n=%d: needs at least %d orders to warm up", n, 4*soakRetention)
	}
	s := newUnstarted(config{
		clock: newManualClock(t0), seed: 1,
		realm: "partner", clientSecret: "client-secret", accessTTL: time.Minute, refreshTTL: 2 * time.Minute,
		orderRetention: soakRetention, logBytes: soakLogBytes,
	})
	if err := s.seedDefaults(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	serve := func(path, bearer string, body []byte) []byte {
		req := httptest.NewRequest("POST", path, strings.NewReader(string(body)))
		req.Header.Set("secret", Secret)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: HTTP %d %s", path, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	login := []byte(`{"realmName":"partner","grantType":"client_credentials","clientSecret":"client-secret"}`)
	// One padded body, its partner order number replaced per order.
	order := sampleOrder("SOAK-N", line(733552, 1))
	order["note"] = strings.Repeat("x", soakBodyBytes) // an unknown field, ignored but logged
	body := string(mustJSON(t, order))
	sub := strings.Replace(body, "733552", "733570", 1) // a monthly subscription: renewals are orders too

	warm := n / 4
	var base, peak uint64
	for i := range n {
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(serve("/iam/tokens", "", login), &tok); err != nil {
			t.Fatal(err)
		}
		b := body
		if i%10 == 0 {
			b = sub
		}
		var answer struct {
			ResponseCode int `json:"responseCode"`
		}
		if err := json.Unmarshal(serve("/connect/order/new", tok.AccessToken, []byte(strings.Replace(b, "SOAK-N", "SOAK-"+strconv.Itoa(i), 1))), &answer); err != nil || answer.ResponseCode != 0 {
			t.Fatalf("order %d: code %d, %v", i, answer.ResponseCode, err)
		}
		s.Advance(time.Second)

		if (i+1)%(n/soakSamples) != 0 && i+1 != warm {
			continue
		}
		h := heapLive()
		t.Logf("%7d orders: live heap %6.2f MiB", i+1, float64(h)/(1<<20))
		switch {
		case i+1 == warm:
			base = h
		case i+1 > warm:
			peak = max(peak, h)
		}
	}
	t.Logf("after warm-up (%d orders): %.2f MiB, peak after %.2f MiB", warm, float64(base)/(1<<20), float64(peak)/(1<<20))
	if peak > base+soakSlack {
		t.Errorf("live heap grew from %.1f MiB to %.1f MiB after the warm-up, more than %d KiB",
			float64(base)/(1<<20), float64(peak)/(1<<20), soakSlack>>10)
	}
	if got := len(s.Orders()); got != soakRetention {
		t.Errorf("%d orders kept, want %d", got, soakRetention)
	}
}
