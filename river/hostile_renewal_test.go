package nexwayriver

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"github.com/riverqueue/river"
)

// The renewal surfaces attacked from outside: Nexway's answers about a
// renewal order (§4.4, §5.5 of the reference) that the fake does not give
// by itself, hooks that fail, and job rows written by hand.

// tamper answers a GET of an order for which answer returns a body, as
// Nexway would (HTTP 200, the code in the envelope); the rest goes to the
// fake.
type tamper struct {
	base   http.RoundTripper
	answer func(pon string) (body string, ok bool)
}

func (t *tamper) RoundTrip(req *http.Request) (*http.Response, error) {
	if pon, ok := strings.CutPrefix(req.URL.Path, "/connect/order/"); ok && req.Method == http.MethodGet {
		if body, ok := t.answer(pon); ok {
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
		}
	}
	return t.base.RoundTrip(req)
}

// renewalLog records each OnRenewal and OnLateRenewal that commits.
func renewalLog(t *testing.T, s *shop[*sql.Tx]) {
	t.Helper()
	if err := s.db.inTx(context.Background(), func(tx *sql.Tx) error {
		return s.exec(context.Background(), tx, `CREATE TABLE renewal_log (hook TEXT NOT NULL, pon TEXT NOT NULL, gen INTEGER NOT NULL,
			order_pon TEXT NOT NULL, complete INTEGER NOT NULL, rejected INTEGER NOT NULL)`)
	}); err != nil {
		t.Fatal(err)
	}
}

// logHook returns a hook that writes its event to renewal_log; before,
// when set, runs first and may fail or panic.
func logHook(s *shop[*sql.Tx], name string, before func(*RenewalEvent) error) func(context.Context, *sql.Tx, *RenewalEvent) error {
	return func(ctx context.Context, tx *sql.Tx, ev *RenewalEvent) error {
		if before != nil {
			if err := before(ev); err != nil {
				return err
			}
		}
		number, complete, rejected := "", 0, 0
		if ev.Order != nil {
			number = ev.Order.PartnerOrderNumber
		}
		if ev.Complete {
			complete = 1
		}
		if errors.Is(ev.Err, nexway.ErrOrderRejected) && ev.Order == nil {
			rejected = 1
		}
		return s.exec(ctx, tx, "INSERT INTO renewal_log (hook, pon, gen, order_pon, complete, rejected) VALUES (?, ?, ?, ?, ?, ?)",
			name, ev.PartnerOrderNumber, ev.Generation, number, complete, rejected)
	}
}

// followUp is a fast subscription follow-up on the fake's clock.
func followUp(s *shop[*sql.Tx], srv *nexwaytest.Server, onRenewal, onLate func(*RenewalEvent) error) SubscriptionFollowUp[*sql.Tx] {
	return SubscriptionFollowUp[*sql.Tx]{
		OnRenewal:     logHook(s, "renewal", onRenewal),
		OnLateRenewal: logHook(s, "late", onLate),
		Cadence:       400 * time.Millisecond, NearCadence: 100 * time.Millisecond, Tick: 50 * time.Millisecond,
		AccountRate: 1000, Clock: srv.Now,
	}
}

// A renewal order that Nexway already rejected (1062) when the sweep
// first reads it still ends in one OnRenewal, with the rejection, and
// does not hold the next generation back.
func TestRenewalRejectedAtFirstRead(t *testing.T) {
	t.Parallel()
	s, _ := sqliteShop(t)
	renewalLog(t, s)
	const pon = "P-5001"
	rejected := nexway.RenewalOrderNumber(pon, 1)
	rt := &tamper{base: http.DefaultTransport, answer: func(p string) (string, bool) {
		return fmt.Sprintf(`{"partnerOrderNumber":%q,"orderNumber":1,"orderLines":[],"responseCode":1062,"responseMessage":"fraud suspicion"}`, p), p == rejected
	}}
	srv := newFake(t, nexwaytest.WithClientOptions(nexway.WithTransport(rt)))
	cfg := fastConfig(s, srv.Client, s.hooks(nil))
	cfg.Subscriptions = followUp(s, srv, nil, nil)
	c := start(t, cfg, fastRiver())
	s.subscribe(c, pon)
	srv.Advance(31 * 24 * time.Hour)
	waitFor(t, "the rejected renewal settled", 20*time.Second, func() bool {
		return s.query("SELECT COUNT(*) FROM nexway_subscriptions WHERE generation = 1") == 1
	})
	srv.Advance(31 * 24 * time.Hour)
	waitFor(t, "the next renewal", 20*time.Second, func() bool {
		return s.query("SELECT COUNT(*) FROM nexway_subscriptions WHERE generation = 2") == 1
	})
	if n := s.query("SELECT COUNT(*) FROM renewal_log WHERE hook = 'renewal' AND gen = 1 AND rejected = 1 AND order_pon = '' AND complete = 0"); n != 1 {
		t.Errorf("the rejected renewal reached OnRenewal %d times with its rejection, want 1", n)
	}
	if n := s.query("SELECT COUNT(*) FROM renewal_log WHERE hook = 'renewal' AND gen = 2 AND rejected = 0 AND order_pon = ? AND complete = 1",
		nexway.RenewalOrderNumber(pon, 2)); n != 1 {
		t.Errorf("the next renewal reached OnRenewal %d times, want 1", n)
	}
	if n := s.query("SELECT COUNT(*) FROM renewal_log"); n != 2 {
		t.Errorf("%d hooks committed, want 2", n)
	}
	if n := s.query("SELECT COUNT(*) FROM river_job WHERE kind = ?", kindRenewalKeys); n != 0 {
		t.Errorf("%d keys jobs for renewals that were rejected or complete, want 0", n)
	}
}

// A renewal order Nexway does not show yet (1010: the status announced
// the generation first) is read again at the near cadence, not a whole
// cadence later: the subscription's new expiry date is far, so only the
// failure can make the next read soon. The cadence is an hour, so that
// on a whole cadence the test would never see the renewal.
func TestRenewalOrderNotFoundYet(t *testing.T) {
	t.Parallel()
	s, db := sqliteShop(t)
	renewalLog(t, s)
	const pon = "P-5002"
	// More misses than one call's retries: several reads meet them.
	const missing = 10
	var misses atomic.Int32
	rt := &tamper{base: http.DefaultTransport, answer: func(p string) (string, bool) {
		if p != nexway.RenewalOrderNumber(pon, 1) || misses.Add(1) > missing {
			return "", false
		}
		return fmt.Sprintf(`{"partnerOrderNumber":%q,"responseCode":1010,"responseMessage":"order not found"}`, p), true
	}}
	srv := newFake(t, nexwaytest.WithClientOptions(nexway.WithTransport(rt)))
	cfg := fastConfig(s, srv.Client, s.hooks(nil))
	cfg.Subscriptions = followUp(s, srv, nil, nil)
	cfg.Subscriptions.Cadence, cfg.Subscriptions.NearCadence = time.Hour, 50*time.Millisecond
	c := start(t, cfg, fastRiver())
	if err := s.pay(c, order(pon, monthlyProduct), false); err != nil {
		t.Fatal(err)
	}
	// due makes the subscription's read fall due now (not long past: a
	// read three cadences late is planned again while queued, and a second
	// read of the old status could settle after the renewal's).
	due := func() {
		t.Helper()
		if _, err := db.Exec("UPDATE nexway_subscriptions SET next_read_ms = ?", time.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the subscription recorded", 20*time.Second, func() bool {
		return s.query("SELECT COUNT(*) FROM nexway_subscriptions") == 1
	})
	due()
	waitFor(t, "the subscription read", 20*time.Second, func() bool {
		return s.query("SELECT COUNT(*) FROM nexway_subscriptions WHERE reads = 1 AND expires_on <> '' AND queued = 0") == 1
	})
	srv.Advance(31 * 24 * time.Hour)
	due()
	waitFor(t, "the renewal, once its order shows", 20*time.Second, func() bool {
		return s.query("SELECT COUNT(*) FROM renewal_log WHERE hook = 'renewal' AND gen = 1 AND complete = 1") == 1
	})
	if m := misses.Load(); m <= missing {
		t.Errorf("the renewal order was read %d times, want it missed %d times first", m, missing)
	}
	if n := s.query("SELECT COUNT(*) FROM renewal_log"); n != 1 {
		t.Errorf("%d hooks committed, want 1", n)
	}
}

// Two renewals whose keys are late, the second before the first's keys
// come; OnRenewal fails once (the read job retried after its transaction
// rolled back: the keys job it queued is gone with it), OnLateRenewal
// fails once and panics once. Each generation ends in one OnRenewal
// (incomplete), one keys job and one OnLateRenewal with its whole order.
func TestLateRenewalsTwoGenerationsHooksFailing(t *testing.T) {
	t.Parallel()
	s, _ := sqliteShop(t)
	renewalLog(t, s)
	srv := newFake(t)
	var down atomic.Bool
	if err := srv.SetPublisher(monthlyProduct, nexwaytest.PublisherFunc(func(_ context.Context, req nexwaytest.LicenseRequest) (string, error) {
		if req.Operation == nexwaytest.OperationRenew && down.Load() {
			return "", errors.New("publisher down")
		}
		return "KEY-" + req.FulfillmentID + "-" + req.OrderID, nil
	})); err != nil {
		t.Fatal(err)
	}
	var renewalFailed atomic.Bool
	var mu sync.Mutex
	lateRuns := map[int]int{}
	cfg := fastConfig(s, srv.Client, s.hooks(nil))
	cfg.Subscriptions = followUp(s, srv,
		func(*RenewalEvent) error {
			if renewalFailed.CompareAndSwap(false, true) {
				return errors.New("the shop's renewal hook refused")
			}
			return nil
		},
		func(ev *RenewalEvent) error {
			mu.Lock()
			lateRuns[ev.Generation]++
			n := lateRuns[ev.Generation]
			mu.Unlock()
			switch n {
			case 1:
				return errors.New("the shop's late renewal hook refused")
			case 2:
				panic("the shop's late renewal hook panicked")
			}
			return nil
		})
	c := start(t, cfg, fastRiver())
	const pon = "P-5003"
	s.subscribe(c, pon)
	down.Store(true)
	for gen := 1; gen <= 2; gen++ {
		srv.Advance(31 * 24 * time.Hour)
		waitFor(t, fmt.Sprintf("renewal %d, keys missing", gen), time.Minute, func() bool {
			return s.query("SELECT COUNT(*) FROM renewal_log WHERE hook = 'renewal' AND gen = ? AND complete = 0", gen) == 1
		})
	}
	if n := s.query("SELECT COUNT(*) FROM renewal_log WHERE hook = 'late'"); n != 0 {
		t.Fatalf("%d late renewals while the publisher is down", n)
	}
	// The fake retries the publisher when an order is read.
	down.Store(false)
	waitFor(t, "both waits done", time.Minute, func() bool {
		return s.query("SELECT COUNT(*) FROM river_job WHERE kind = ? AND state = 'completed'", kindRenewalKeys) == 2
	})
	if !renewalFailed.Load() {
		t.Error("OnRenewal never failed: the retry was not exercised")
	}
	for gen := 1; gen <= 2; gen++ {
		number := nexway.RenewalOrderNumber(pon, gen)
		if n := s.query("SELECT COUNT(*) FROM renewal_log WHERE hook = 'renewal' AND gen = ?", gen); n != 1 {
			t.Errorf("generation %d: OnRenewal committed %d times, want 1", gen, n)
		}
		if n := s.query("SELECT COUNT(*) FROM renewal_log WHERE hook = 'late' AND gen = ? AND order_pon = ? AND complete = 1", gen, number); n != 1 {
			t.Errorf("generation %d: OnLateRenewal committed %d times with %s complete, want 1", gen, n, number)
		}
		if n := s.query("SELECT COUNT(*) FROM river_job WHERE kind = ? AND json_extract(args, '$.generation') = ?", kindRenewalKeys, gen); n != 1 {
			t.Errorf("generation %d: %d keys jobs, want 1", gen, n)
		}
	}
	if n := s.query("SELECT COUNT(*) FROM renewal_log"); n != 4 {
		t.Errorf("%d hooks committed, want 4", n)
	}
}

// rawArgs queues arguments as they are, under any kind, as a row written
// by hand.
type rawArgs struct{ kind, queue, raw string }

func (a rawArgs) Kind() string                 { return a.kind }
func (a rawArgs) MarshalJSON() ([]byte, error) { return []byte(a.raw), nil }
func (a rawArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: a.queue, MaxAttempts: 25}
}

// Hand-written rows of every follow-up kind, of a shape River accepts but
// that no run can use, end at their first attempt, cancelled with
// ErrMalformedJob: wrong types, null, numbers out of range, a negative
// generation, no subscription, an order number the client refuses (no
// request could ever be sent), an unknown feed, a day that is not a date.
func TestHostileFollowUpRows(t *testing.T) {
	t.Parallel()
	s, _ := sqliteShop(t)
	srv := newFake(t)
	cfg := fastConfig(s, srv.Client, s.hooks(nil))
	cfg.Subscriptions = SubscriptionFollowUp[*sql.Tx]{
		OnRenewal: func(context.Context, *sql.Tx, *RenewalEvent) error { return nil },
		Cadence:   time.Hour, AccountRate: 1000,
	}
	cfg.Catalog = CatalogImport[*sql.Tx]{
		Feeds:     []CatalogFeed{{Name: "main", Query: fakeFeedQuery()}},
		At:        24*time.Hour - time.Nanosecond, // never due during the test
		OnChanges: func(context.Context, *sql.Tx, *CatalogBatch) error { return nil },
	}
	c := start(t, cfg, fastRiver())
	long := strings.Repeat("P", 85) // longer than any existing order's number, a renewal's included
	rows := []rawArgs{
		{kindRenewalKeys, QueueSweep, `{}`},
		{kindRenewalKeys, QueueSweep, `[]`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":"P-1","subscriptionId":"x","generation":1}`},
		{kindOrderKeys, QueueCheckout, `{"partnerOrderNumber":7}`},
		{kindCatalogImport, QueueSweep, `{"feed":["main"],"day":"2026-12-07"}`},
		{kindSubscriptionRead, QueueSweep, `{"subs":{"pon":"P-1"}}`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":"P-1","subscriptionId":9,"generation":-1}`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":"P-1","subscriptionId":9,"generation":null}`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":"P-1","subscriptionId":9,"generation":0}`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":"P-1","subscriptionId":9,"generation":1e30}`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":"P-1","subscriptionId":99999999999999999999,"generation":1}`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":"P-1","subscriptionId":9,"generation":1.5}`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":"P-1","generation":1}`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":"P-1","subscriptionId":-9,"generation":1}`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":null,"subscriptionId":9,"generation":1}`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":" P-1","subscriptionId":9,"generation":1}`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":"P-\u0001","subscriptionId":9,"generation":1}`},
		{kindRenewalKeys, QueueSweep, `{"partnerOrderNumber":"` + long + `","subscriptionId":9,"generation":1}`},
		{kindOrderKeys, QueueCheckout, `{}`},
		{kindOrderKeys, QueueCheckout, `{"partnerOrderNumber":".."}`},
		{kindOrderKeys, QueueCheckout, `{"partnerOrderNumber":"` + long + `"}`},
		{kindCatalogImport, QueueSweep, `{"feed":"nosuch","day":"2026-12-07"}`},
		{kindCatalogImport, QueueSweep, `{"feed":"main","day":"2026-13-45"}`},
		{kindCatalogImport, QueueSweep, `{"feed":"main","day":""}`},
		{kindCatalogImport, QueueSweep, `{"feed":"main","day":20261207}`},
		{kindSubscriptionRead, QueueSweep, `{"subs":[{"pon":"P-1","id":"9"}]}`},
		{kindSubscriptionRead, QueueSweep, `{"subs":[null, 7]}`},
	}
	for _, r := range rows {
		if _, err := c.Insert(context.Background(), r, nil); err != nil {
			t.Fatalf("%s %s: %v", r.kind, r.raw, err)
		}
	}
	waitFor(t, "every row to end", 20*time.Second, func() bool {
		return s.query("SELECT COUNT(*) FROM river_job WHERE state = 'cancelled'") == len(rows)
	})
	if n := s.query("SELECT COUNT(*) FROM river_job WHERE state = 'cancelled' AND attempt = 1 AND CAST(errors AS TEXT) LIKE '%malformed job arguments%'"); n != len(rows) {
		t.Errorf("%d of %d rows cancelled at their first attempt with ErrMalformedJob", n, len(rows))
	}
	if n := s.query("SELECT COUNT(*) FROM river_job WHERE CAST(errors AS TEXT) LIKE '%panic%'"); n != 0 {
		t.Errorf("%d rows panicked", n)
	}
}

// Fields a row holds beyond the job's own are ignored; a row without
// subscriptions to read is done at once.
func TestFollowUpArgsExtraFields(t *testing.T) {
	t.Parallel()
	var k renewalKeysArgs
	if err := json.Unmarshal([]byte(`{"partnerOrderNumber":"P-1","subscriptionId":9,"generation":2,"note":{"x":[1,null]},"problem":"x"}`), &k); err != nil || k.problem != nil {
		t.Fatalf("%v, %v", err, k.problem)
	}
	if want := (renewalKeysArgs{PartnerOrderNumber: "P-1", SubscriptionID: 9, Generation: 2}); k != want {
		t.Errorf("read %+v, want %+v", k, want)
	}
	var r subscriptionReadArgs
	if err := json.Unmarshal([]byte(`{"subs":null,"extra":1}`), &r); err != nil || r.problem != nil || len(r.Subs) != 0 {
		t.Errorf("%v, %v, %v", err, r.problem, r.Subs)
	}
}

// fuzzArgs checks a follow-up decoder: valid JSON never fails (River
// would retry the row), nothing panics, a problem is ErrMalformedJob, and
// what is accepted encodes back to arguments that decode the same.
func fuzzArgs[T any](f *testing.F, problem func(*T) error, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var a T
		if err := json.Unmarshal(b, &a); err != nil {
			if json.Valid(b) {
				t.Fatalf("valid JSON refused: %v", err)
			}
			return
		}
		if p := problem(&a); p != nil {
			if !errors.Is(p, ErrMalformedJob) {
				t.Fatalf("problem %v is not ErrMalformedJob", p)
			}
			return
		}
		again, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back T
		if err := json.Unmarshal(again, &back); err != nil || problem(&back) != nil || !reflect.DeepEqual(a, back) {
			t.Fatalf("%s read back from %s as %+v, want %+v (%v, %v)", again, b, back, a, err, problem(&back))
		}
	})
}

func FuzzRenewalKeysArgs(f *testing.F) {
	fuzzArgs(f, func(a *renewalKeysArgs) error { return a.problem },
		`{"partnerOrderNumber":"P-1","subscriptionId":9,"generation":1}`, `{}`, `null`,
		`{"partnerOrderNumber":"P-1","subscriptionId":"9","generation":1e400}`,
		`{"partnerOrderNumber":"P-1","PARTNERORDERNUMBER":"P-2","generation":-1}`)
}

func FuzzOrderKeysArgs(f *testing.F) {
	fuzzArgs(f, func(a *orderKeysArgs) error { return a.problem },
		`{"partnerOrderNumber":"P-1"}`, `{"partnerOrderNumber":7}`, `{"partnerOrderNumber":null}`, `[]`)
}

func FuzzCatalogArgs(f *testing.F) {
	fuzzArgs(f, func(a *catalogArgs) error { return a.problem },
		`{"feed":"main","day":"2026-12-07"}`, `{"feed":["main"],"day":"2026-12-07"}`, `{"day":{}}`)
}

func FuzzSubscriptionReadArgs(f *testing.F) {
	fuzzArgs(f, func(a *subscriptionReadArgs) error { return a.problem },
		`{"subs":[{"pon":"P-1","id":9}]}`, `{"subs":{"pon":"P-1"}}`, `{"subs":[null]}`, `{"subs":[{"id":1e30}]}`)
}

// rewrite edits the fake's JSON answer for one order, by the number of
// its reads so far (1 for the first).
type rewrite struct {
	base  http.RoundTripper
	pon   string
	reads atomic.Int32
	edit  func(n int, body map[string]any) map[string]any
}

func (r *rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil || req.Method != http.MethodGet || req.URL.Path != "/connect/order/"+r.pon {
		return resp, err
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	b, err := json.Marshal(r.edit(int(r.reads.Add(1)), body))
	if err != nil {
		return nil, err
	}
	resp.Body, resp.ContentLength = io.NopCloser(strings.NewReader(string(b))), int64(len(b))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// withoutKeys is body with every item's key still to come (1051).
func withoutKeys(body map[string]any) map[string]any {
	lines, _ := body["orderLines"].([]any)
	for _, l := range lines {
		items, _ := l.(map[string]any)["lineItems"].([]any)
		for _, it := range items {
			it.(map[string]any)["serials"] = []any{}
			it.(map[string]any)["responseCode"] = 1051
		}
	}
	return body
}

// A renewal order whose keys flicker while they are awaited: missing,
// there (the hook fails), gone again, held (1060), an answer naming the
// next generation's order, then there for good. OnRenewal commits once,
// incomplete; OnLateRenewal commits once, with the whole order asked for.
func TestLateRenewalKeysFlicker(t *testing.T) {
	t.Parallel()
	s, _ := sqliteShop(t)
	renewalLog(t, s)
	const pon = "P-5004"
	number := nexway.RenewalOrderNumber(pon, 1)
	rt := &rewrite{base: http.DefaultTransport, pon: number, edit: func(n int, body map[string]any) map[string]any {
		switch n {
		case 1, 2, 4: // the sweep's read, the first wait, the keys gone
			return withoutKeys(body)
		case 5:
			return map[string]any{"partnerOrderNumber": number, "responseCode": 1060, "responseMessage": "waiting for payment validation"}
		case 6:
			body["partnerOrderNumber"] = nexway.RenewalOrderNumber(pon, 2)
		}
		return body
	}}
	srv := newFake(t, nexwaytest.WithClientOptions(nexway.WithTransport(rt)))
	var lateFailed atomic.Bool
	cfg := fastConfig(s, srv.Client, s.hooks(nil))
	cfg.Subscriptions = followUp(s, srv, nil, func(*RenewalEvent) error {
		if lateFailed.CompareAndSwap(false, true) {
			return errors.New("the shop's late renewal hook refused")
		}
		return nil
	})
	c := start(t, cfg, fastRiver())
	s.subscribe(c, pon)
	srv.Advance(31 * 24 * time.Hour)
	waitFor(t, "the wait done", time.Minute, func() bool {
		return s.query("SELECT COUNT(*) FROM river_job WHERE kind = ? AND state = 'completed'", kindRenewalKeys) == 1
	})
	if n := rt.reads.Load(); n < 7 {
		t.Errorf("the renewal order was read %d times, want the 6 scripted answers and one more", n)
	}
	if !lateFailed.Load() {
		t.Error("OnLateRenewal never failed")
	}
	if n := s.query("SELECT COUNT(*) FROM renewal_log WHERE hook = 'renewal' AND gen = 1 AND complete = 0"); n != 1 {
		t.Errorf("OnRenewal committed %d times incomplete, want 1", n)
	}
	if n := s.query("SELECT COUNT(*) FROM renewal_log WHERE hook = 'late' AND gen = 1 AND complete = 1 AND order_pon = ?", number); n != 1 {
		t.Errorf("OnLateRenewal committed %d times with %s, want 1", n, number)
	}
	if n := s.query("SELECT COUNT(*) FROM renewal_log"); n != 2 {
		t.Errorf("%d hooks committed, want 2", n)
	}
}
