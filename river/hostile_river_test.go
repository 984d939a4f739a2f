package nexwayriver

import (
	"context"
	"database/sql"
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
		if want := nexway.RenewalOrderNumber(pon, i+1); o.order == nil || o.order.PartnerOrderNumber != want {
			t.Errorf("generation %d handed %+v, want order %s", i+1, o, want)
		}
	}
	if len(r.renewals) != 1 || r.err == nil {
		t.Errorf("%d renewals, error %v; want generation 1 alone and an error for 2", len(r.renewals), r.err)
	}
}

// A status answer without an expiry (Nexway documents none of the fields;
// the client leaves what is missing zero) keeps the expiry recorded, as an
// unreadable status keeps the status: the near-expiry cadence depends on it.
func TestHostileStatusWithoutExpiry(t *testing.T) {
	s, _ := sqliteShop(t)
	ctx := context.Background()
	if err := s.db.migrateTables(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := s.db.exec(ctx, tx, `INSERT INTO nexway_subscriptions (partner_order_number, subscription_id, generation, status, expires_on, phase, next_read_ms)
			VALUES ('P-1', 7, 0, 'active', '2027-01-07', 0, 0)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	w := &subscriptionReadWorker[*sql.Tx]{cfg: Config[*sql.Tx]{DB: s.db, Subscriptions: SubscriptionFollowUp[*sql.Tx]{Cadence: time.Hour, NearCadence: time.Minute, Clock: time.Now}}}
	r := readResult{ref: subRef{"P-1", 7}, known: true, state: subscriptionState{status: nexway.SubscriptionActive, expires: nexway.Date{Year: 2027, Month: time.January, Day: 7}},
		sub: &nexway.Subscription{PartnerOrderNumber: "P-1", ID: 7, Status: nexway.SubscriptionActive}}
	if err := s.db.inTx(ctx, func(tx *sql.Tx) error { return w.settle(ctx, tx, 1, &r) }); err != nil {
		t.Fatal(err)
	}
	if n := s.query("SELECT COUNT(*) FROM nexway_subscriptions WHERE expires_on = '2027-01-07' AND reads = 1"); n != 1 {
		t.Error("the recorded expiry was erased by an answer without one")
	}
}
