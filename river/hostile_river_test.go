package nexwayriver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"golang.org/x/time/rate"
)

// A renewal read of a subscription whose Nexway answers are odd: the
// order read for one generation must be that generation's order, or the
// read fails and nothing is handed to OnRenewal for it.
func TestHostileRenewalOrderOfAnotherGeneration(t *testing.T) {
	const pon = "P-3001"
	var srv atomic.Pointer[nexwaytest.Server]
	// The proxy answers the read of generation 2's order with generation 1's.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/connect/order/"+nexway.RenewalOrderNumber(pon, 2)) {
			r.URL.Path = strings.TrimSuffix(r.URL.Path, "2") + "1"
			r.URL.RawPath = ""
		}
		srv.Load().ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	s := newFake(t, nexwaytest.WithClientOptions(nexway.WithBaseURL(proxy.URL)))
	srv.Store(s)
	ctx := context.Background()
	o, err := s.Client.Orders.Create(ctx, order(pon, monthlyProduct))
	if err != nil {
		t.Fatal(err)
	}
	ids := o.SubscriptionIDs()
	if len(ids) != 1 {
		t.Fatalf("%d subscriptions", len(ids))
	}
	s.Advance(62 * 24 * time.Hour)
	w := &subscriptionReadWorker[struct{}]{cfg: Config[struct{}]{Nexway: s.Client}, limiter: rate.NewLimiter(rate.Inf, 1)}
	r := readResult{ref: subRef{pon, int64(ids[0])}, known: true}
	w.read(ctx, &r)
	if r.sub == nil || r.sub.Generation < 2 {
		t.Fatalf("the fake's subscription: %+v, %v", r.sub, r.err)
	}
	for i, o := range r.renewals {
		if want := nexway.RenewalOrderNumber(pon, i+1); o.PartnerOrderNumber != want {
			t.Errorf("generation %d handed order %s, want %s", i+1, o.PartnerOrderNumber, want)
		}
	}
	if len(r.renewals) != 1 || r.err == nil {
		t.Errorf("%d renewals, error %v; want generation 1 alone and an error for 2", len(r.renewals), r.err)
	}
}
