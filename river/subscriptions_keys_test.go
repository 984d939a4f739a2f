package nexwayriver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

// rejecting answers a read of the order named in pon as Nexway answers an
// order it rejected (1062); the fake rejects pending orders only.
type rejecting struct {
	base http.RoundTripper
	pon  atomic.Value // string
}

func (r *rejecting) RoundTrip(req *http.Request) (*http.Response, error) {
	if p, _ := r.pon.Load().(string); p != "" && req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/connect/order/"+p) {
		body := fmt.Sprintf(`{"partnerOrderNumber":%q,"orderNumber":1,"orderLines":[],"responseCode":1062,"responseMessage":"fraud suspicion"}`, p)
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	}
	return r.base.RoundTrip(req)
}

// A renewal order whose keys are late (the publisher's endpoint down when
// Nexway renews) is handed to OnRenewal incomplete and read again until
// its keys are there, then to OnLateRenewal, once; one that Nexway rejects
// meanwhile reaches OnLateRenewal with ErrOrderRejected, once.
func runLateRenewals[TTx any](t *testing.T, s *shop[TTx]) {
	ctx := context.Background()
	s.renewalTable()
	if err := s.db.inTx(ctx, func(tx TTx) error {
		return s.exec(ctx, tx, `CREATE TABLE late_renewals (pon TEXT NOT NULL, gen INTEGER NOT NULL, order_pon TEXT NOT NULL,
			delivered INTEGER NOT NULL, rejected INTEGER NOT NULL)`)
	}); err != nil {
		t.Fatal(err)
	}
	rt := &rejecting{base: http.DefaultTransport}
	srv := newFake(t, nexwaytest.WithClientOptions(nexway.WithTransport(rt)))
	var down atomic.Bool
	var neverKeys atomic.Value // the subscription whose renewal keys never come: Nexway rejects it
	if err := srv.SetPublisher(monthlyProduct, nexwaytest.PublisherFunc(func(_ context.Context, req nexwaytest.LicenseRequest) (string, error) {
		if req.Operation == "renew" && (down.Load() || req.SubscriptionID == neverKeys.Load()) {
			return "", errors.New("publisher down")
		}
		return "KEY-" + req.FulfillmentID + "-" + req.OrderID, nil
	})); err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig(s, srv.Client, s.hooks(nil))
	cfg.Subscriptions = SubscriptionFollowUp[TTx]{
		OnRenewal: s.onRenewal(srv, nil),
		OnLateRenewal: func(ctx context.Context, tx TTx, ev *RenewalEvent) error {
			delivered, rejected, number := 0, 0, ""
			if ev.Order != nil && ev.Complete && ev.Order.Delivered() {
				delivered, number = 1, ev.Order.PartnerOrderNumber
			}
			if ev.Order == nil && errors.Is(ev.Err, nexway.ErrOrderRejected) {
				rejected = 1
			}
			return s.exec(ctx, tx, "INSERT INTO late_renewals (pon, gen, order_pon, delivered, rejected) VALUES (?, ?, ?, ?, ?)",
				ev.PartnerOrderNumber, ev.Generation, number, delivered, rejected)
		},
		Cadence: 400 * time.Millisecond, NearCadence: 100 * time.Millisecond, Tick: 50 * time.Millisecond,
		AccountRate: 1000, Clock: srv.Now,
	}
	c := start(t, cfg, fastRiver())
	const late, rejected = "P-4001", "P-4002"
	s.subscribe(c, late, rejected)

	// A read of the rejected renewal that passes the transport before it
	// answers the rejection must not find the keys either.
	neverKeys.Store(fmt.Sprint(s.query("SELECT subscription_id FROM nexway_subscriptions WHERE partner_order_number = ?", rejected)))
	down.Store(true)
	srv.Advance(31 * 24 * time.Hour)
	waitFor(t, "the renewals, keys missing", 20*time.Second, func() bool {
		return s.query("SELECT COUNT(*) FROM renewals WHERE delivered = 0") == 2
	})
	waitFor(t, "the waits for their keys", 20*time.Second, func() bool {
		return s.query("SELECT COUNT(*) FROM river_job WHERE kind = ?", kindRenewalKeys) == 2
	})
	if n := s.query("SELECT COUNT(*) FROM late_renewals"); n != 0 {
		t.Fatalf("%d late renewals recorded while the publisher is down", n)
	}
	rt.pon.Store(nexway.RenewalOrderNumber(rejected, 1))
	down.Store(false)
	waitFor(t, "the late keys and the rejection", 20*time.Second, func() bool {
		return s.query("SELECT COUNT(*) FROM river_job WHERE kind = ? AND state = 'completed'", kindRenewalKeys) == 2
	})

	if n := s.query("SELECT COUNT(*) FROM late_renewals WHERE pon = ? AND gen = 1 AND order_pon = ? AND delivered = 1 AND rejected = 0",
		late, nexway.RenewalOrderNumber(late, 1)); n != 1 {
		t.Errorf("%s: the late keys recorded %d times, want once", late, n)
	}
	if n := s.query("SELECT COUNT(*) FROM late_renewals WHERE pon = ? AND gen = 1 AND delivered = 0 AND rejected = 1", rejected); n != 1 {
		t.Errorf("%s: the rejection recorded %d times, want once", rejected, n)
	}
	if n := s.query("SELECT COUNT(*) FROM late_renewals"); n != 2 {
		t.Errorf("%d late renewal rows, want 2", n)
	}
	if n := s.query("SELECT COUNT(*) FROM renewals"); n != 2 {
		t.Errorf("OnRenewal committed %d times, want 2", n)
	}
}

func TestLateRenewalKeysSQLite(t *testing.T) {
	t.Parallel()
	s, _ := sqliteShop(t)
	runLateRenewals(t, s)
}

func TestLateRenewalKeysPgx(t *testing.T) {
	t.Parallel()
	s, _ := pgxShop(t)
	runLateRenewals(t, s)
}

func TestLateRenewalKeysPostgresSQL(t *testing.T) {
	t.Parallel()
	s, _ := pgSQLShop(t)
	runLateRenewals(t, s)
}

// Arguments that do not decode end the job at once with ErrMalformedJob,
// kept on the job, instead of River retrying the same row up to its
// MaxAttempts (weeks for the keys jobs).
func TestMalformedFollowUpArgs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args  interface{ UnmarshalJSON([]byte) error }
		bad   string
		valid string
	}{
		{new(orderKeysArgs), `{"partnerOrderNumber":7}`, `{"partnerOrderNumber":"P-1"}`},
		{new(renewalKeysArgs), `{"partnerOrderNumber":"P-1","subscriptionId":"x","generation":1}`, `{"partnerOrderNumber":"P-1","subscriptionId":9,"generation":1}`},
		{new(catalogArgs), `{"feed":["main"],"day":"2026-12-07"}`, `{"feed":"main","day":"2026-12-07"}`},
		{new(subscriptionReadArgs), `{"subs":{"pon":"P-1"}}`, `{"subs":[{"pon":"P-1","id":9}]}`},
	} {
		if err := c.args.UnmarshalJSON([]byte(c.bad)); err != nil {
			t.Errorf("%T: UnmarshalJSON failed (River would retry): %v", c.args, err)
		}
		if p := problemOf(c.args); !errors.Is(p, ErrMalformedJob) {
			t.Errorf("%T of %s: problem %v, want ErrMalformedJob", c.args, c.bad, p)
		}
		if err := c.args.UnmarshalJSON([]byte(c.valid)); err != nil || problemOf(c.args) != nil {
			t.Errorf("%T of %s: %v, %v: a valid row read as malformed", c.args, c.valid, err, problemOf(c.args))
		}
	}
}

func problemOf(a any) error {
	switch a := a.(type) {
	case *orderKeysArgs:
		return a.problem
	case *renewalKeysArgs:
		return a.problem
	case *catalogArgs:
		return a.problem
	case *subscriptionReadArgs:
		return a.problem
	}
	panic(fmt.Sprintf("%T", a))
}
