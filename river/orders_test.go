package nexwayriver

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexway-go/nexway/nexwaytest"
	"github.com/riverqueue/river"
)

const (
	batchProduct    = 733551 // keys drawn from a pool
	realtimeProduct = 733552 // keys from the publisher
	otherProduct    = 733558
	unknownProduct  = 999999
)

// outcome is one way an order job can end, and the rows it must leave.
type outcome struct {
	name   string
	refs   []int
	setup  func(t *testing.T, srv *nexwaytest.Server, pon string) // before the payment
	during func(t *testing.T, srv *nexwaytest.Server, pon string) // after it
	// raw, when set, is queued as the job's arguments instead of a request.
	raw string
	// fault makes hook (OnOrder, OnLateDelivery, OnFailure) fail ("fail"),
	// panic ("panic") or lose its database connection ("kill") once;
	// "begin" makes the first transaction of the workers fail to begin.
	fault, hook string

	deliveries, complete, late int
	failure                    string // the failure's reason, "" for none
	creates                    int    // create requests at the fake, -1 unchecked
	retried                    bool   // the job must have been retried
	errorHas                   string // what River must have recorded of the failed run
}

var outcomes = []outcome{
	{name: "delivered", refs: []int{batchProduct}, deliveries: 1, complete: 1, creates: 1},
	{name: "late keys", refs: []int{realtimeProduct}, setup: latePublisher(3), deliveries: 1, late: 1, creates: 1},
	{name: "pending released", refs: []int{batchProduct}, setup: hold(1060), during: release, deliveries: 1, complete: 1, creates: 1},
	{name: "pending rejected", refs: []int{batchProduct}, setup: hold(1061), during: reject, failure: "rejected", creates: 1},
	{name: "out of stock", refs: []int{batchProduct}, setup: injectCreate(nexwaytest.Fault{Kind: nexwaytest.FaultCode, Code: 1044}), failure: "out-of-stock", creates: 1},
	{name: "unknown product", refs: []int{unknownProduct}, failure: "validation", creates: 1},
	{name: "exists and differs", refs: []int{batchProduct}, setup: precreate(otherProduct), failure: "duplicate", creates: 2},
	{name: "ambiguous then read back", refs: []int{batchProduct}, setup: ambiguous, deliveries: 1, complete: 1, creates: -1, retried: true, errorHas: "outcome unknown"},
	{name: "malformed row", raw: `{"partnerOrderNumber":"%s","request":"not an object"}`, failure: "malformed", creates: 0},
	{name: "invalid row", raw: `{"partnerOrderNumber":"%s","request":{"partnerOrderNumber":"%s","currency":"EUR"}}`, failure: "malformed", creates: 0},
	{name: "OnOrder fails", refs: []int{batchProduct}, fault: "fail", hook: "OnOrder", deliveries: 1, complete: 1, creates: 1, retried: true, errorHas: "OnOrder: the shop's hook refused"},
	{name: "OnOrder panics", refs: []int{batchProduct}, fault: "panic", hook: "OnOrder", deliveries: 1, complete: 1, creates: 1, retried: true, errorHas: "hook panicked: order P-1001: OnOrder: the shop's hook blew up"},
	{name: "OnLateDelivery panics", refs: []int{realtimeProduct}, setup: latePublisher(2), fault: "panic", hook: "OnLateDelivery", deliveries: 1, late: 1, creates: 1, errorHas: "OnLateDelivery: the shop's hook blew up"},
	{name: "OnFailure fails", refs: []int{batchProduct}, setup: precreate(otherProduct), fault: "fail", hook: "OnFailure", failure: "duplicate", creates: 2, retried: true, errorHas: "OnFailure: the shop's hook refused"},
	{name: "database unreachable", refs: []int{batchProduct}, fault: "begin", deliveries: 1, complete: 1, creates: 1, retried: true, errorHas: "begin a transaction on"},
	{name: "connection killed in OnOrder", refs: []int{batchProduct}, fault: "kill", hook: "OnOrder", deliveries: 1, complete: 1, creates: 1, retried: true},
}

func latePublisher(failures int64) func(*testing.T, *nexwaytest.Server, string) {
	return func(t *testing.T, srv *nexwaytest.Server, _ string) {
		var calls atomic.Int64
		err := srv.SetPublisher(realtimeProduct, nexwaytest.PublisherFunc(func(_ context.Context, req nexwaytest.LicenseRequest) (string, error) {
			if calls.Add(1) <= failures {
				return "", errors.New("publisher down")
			}
			return "KEY-" + req.FulfillmentID, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
	}
}

func hold(code int) func(*testing.T, *nexwaytest.Server, string) {
	return func(t *testing.T, srv *nexwaytest.Server, _ string) {
		if err := srv.HoldNext(1, code); err != nil {
			t.Fatal(err)
		}
	}
}

// whenPending waits for the order to be held at the fake and read back at
// least once, then does act.
func whenPending(act func(*nexwaytest.Server, string) error) func(*testing.T, *nexwaytest.Server, string) {
	return func(t *testing.T, srv *nexwaytest.Server, pon string) {
		waitFor(t, "the pending order", 10*time.Second, func() bool {
			o, ok := srv.Order(pon)
			return ok && o.PendingCode != 0 && srv.Counts()[nexwaytest.RouteGetOrder].Requests > 0
		})
		if err := act(srv, pon); err != nil {
			t.Fatal(err)
		}
	}
}

var (
	release = whenPending(func(srv *nexwaytest.Server, pon string) error { return srv.Release(pon) })
	reject  = whenPending(func(srv *nexwaytest.Server, pon string) error { return srv.Reject(pon, 1062) })
)

func injectCreate(f nexwaytest.Fault) func(*testing.T, *nexwaytest.Server, string) {
	return func(_ *testing.T, srv *nexwaytest.Server, _ string) { srv.InjectFault(nexwaytest.RouteCreateOrder, f) }
}

func precreate(ref int) func(*testing.T, *nexwaytest.Server, string) {
	return func(t *testing.T, srv *nexwaytest.Server, pon string) {
		if _, err := srv.Client.Orders.Create(context.Background(), order(pon, ref)); err != nil {
			t.Fatal(err)
		}
	}
}

// ambiguous makes the create processed but unanswered, and the read-back
// fail, for more attempts than the client makes: the job ends its first
// run with ErrAmbiguous.
func ambiguous(_ *testing.T, srv *nexwaytest.Server, _ string) {
	srv.InjectFault(nexwaytest.RouteCreateOrder, nexwaytest.Fault{Kind: nexwaytest.FaultStatusAfterProcessing, Status: 502, Times: 6})
	srv.InjectFault(nexwaytest.RouteGetOrder, nexwaytest.Fault{Kind: nexwaytest.FaultStatus, Status: 503, Times: 6})
}

// rawOrderArgs queues arguments as they are, as a row written by hand.
type rawOrderArgs struct{ raw string }

func (rawOrderArgs) Kind() string                   { return kindOrder }
func (a rawOrderArgs) MarshalJSON() ([]byte, error) { return []byte(a.raw), nil }
func (rawOrderArgs) InsertOpts() river.InsertOpts   { return river.InsertOpts{Queue: QueueCheckout} }

func runOutcome[TTx any](t *testing.T, s *shop[TTx], oc outcome, postgres bool) {
	if oc.fault == "kill" && !postgres {
		t.Skip("a killed connection is a PostgreSQL case")
	}
	const pon = "P-1001"
	srv := newFake(t)
	if oc.setup != nil {
		oc.setup(t, srv, pon)
	}
	var faulted atomic.Bool
	before := func(ctx context.Context, tx TTx, name, _ string) error {
		if name != oc.hook || !faulted.CompareAndSwap(false, true) {
			return nil
		}
		switch oc.fault {
		case "fail":
			return errors.New("the shop's hook refused")
		case "panic":
			panic("the shop's hook blew up")
		case "kill":
			return s.exec(ctx, tx, "SELECT pg_terminate_backend(pg_backend_pid())")
		}
		return nil
	}
	cfg := fastConfig(s, srv.Client, s.hooks(before))
	if oc.fault == "begin" {
		d := *s.db
		d.begin = func(ctx context.Context) (TTx, error) {
			if faulted.CompareAndSwap(false, true) {
				var zero TTx
				return zero, errors.New("database unreachable")
			}
			return s.db.begin(ctx)
		}
		cfg.DB = &d
	}
	c := start(t, cfg, fastRiver())
	if oc.raw != "" {
		raw := oc.raw
		for range 2 {
			raw = replaceOnce(raw, "%s", pon)
		}
		if err := s.db.inTx(context.Background(), func(tx TTx) error {
			_, err := c.InsertTx(context.Background(), tx, rawOrderArgs{raw}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	} else if err := s.pay(c, order(pon, oc.refs...), false); err != nil {
		t.Fatal(err)
	}
	if oc.during != nil {
		oc.during(t, srv, pon)
	}
	expected := oc.deliveries + oc.late
	if oc.failure != "" {
		expected++
	}
	waitFor(t, "the outcome", 20*time.Second, func() bool {
		return s.drained() && s.query("SELECT (SELECT COUNT(*) FROM deliveries) + (SELECT COUNT(*) FROM late_deliveries) + (SELECT COUNT(*) FROM failures)") >= expected
	})
	if n := s.query("SELECT COUNT(*) FROM deliveries WHERE pon = ?", pon); n != oc.deliveries {
		t.Errorf("%d deliveries, want %d", n, oc.deliveries)
	}
	if n := s.query("SELECT COUNT(*) FROM deliveries WHERE pon = ? AND complete = 1", pon); n != oc.complete {
		t.Errorf("%d complete deliveries, want %d", n, oc.complete)
	}
	if n := s.query("SELECT COUNT(*) FROM late_deliveries WHERE pon = ?", pon); n != oc.late {
		t.Errorf("%d late deliveries, want %d", n, oc.late)
	}
	want := 0
	if oc.failure != "" {
		want = 1
	}
	if n := s.query("SELECT COUNT(*) FROM failures WHERE pon = ?", pon); n != want {
		t.Errorf("%d failures, want %d", n, want)
	}
	if oc.failure != "" {
		if n := s.query("SELECT COUNT(*) FROM failures WHERE pon = ? AND reason = ?", pon, oc.failure); n != 1 {
			t.Errorf("the failure is not %q", oc.failure)
		}
	}
	if n := srv.Counts()[nexwaytest.RouteCreateOrder].Requests; oc.creates >= 0 && n != oc.creates {
		t.Errorf("%d create requests at the fake, want %d", n, oc.creates)
	}
	if oc.retried && s.query("SELECT MAX(attempt) FROM river_job WHERE kind = ?", kindOrder) < 2 {
		t.Error("the order job was not retried")
	}
	if oc.errorHas != "" && s.query("SELECT COUNT(*) FROM river_job WHERE CAST(errors AS TEXT) LIKE ?", "%"+oc.errorHas+"%") == 0 {
		t.Errorf("no job recorded an error with %q", oc.errorHas)
	}
	if s.query("SELECT COUNT(*) FROM river_job WHERE state <> 'completed'") != 0 {
		t.Error("a job did not complete")
	}
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}

func TestOrderOutcomesSQLite(t *testing.T) {
	t.Parallel()
	for _, oc := range outcomes {
		t.Run(oc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := sqliteShop(t)
			runOutcome(t, s, oc, false)
		})
	}
}

func TestOrderOutcomesPgx(t *testing.T) {
	t.Parallel()
	postgresDSN(t)
	for _, oc := range outcomes {
		t.Run(oc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := pgxShop(t)
			runOutcome(t, s, oc, true)
		})
	}
}

func TestOrderOutcomesPostgresSQL(t *testing.T) {
	t.Parallel()
	postgresDSN(t)
	for _, oc := range outcomes {
		t.Run(oc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := pgSQLShop(t)
			runOutcome(t, s, oc, true)
		})
	}
}
