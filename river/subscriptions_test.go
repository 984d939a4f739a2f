package nexwayriver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"github.com/riverqueue/river"
)

const monthlyProduct = 733570 // a monthly subscription, real-time keys

// renewalTable adds the table the renewal hook writes to.
func (s *shop[TTx]) renewalTable() {
	s.t.Helper()
	if err := s.db.inTx(context.Background(), func(tx TTx) error {
		return s.exec(context.Background(), tx, `CREATE TABLE renewals (pon TEXT NOT NULL, sub BIGINT NOT NULL, gen INTEGER NOT NULL,
			order_pon TEXT NOT NULL, delivered INTEGER NOT NULL, seen_ms BIGINT NOT NULL)`)
	}); err != nil {
		s.t.Fatal(err)
	}
}

// subscribe pays an order of the monthly subscription for each of pons
// and waits until each subscription has been read once, its expiry known.
func (s *shop[TTx]) subscribe(c *river.Client[TTx], pons ...string) {
	s.t.Helper()
	for _, pon := range pons {
		if err := s.pay(c, order(pon, monthlyProduct), false); err != nil {
			s.t.Fatal(err)
		}
	}
	waitFor(s.t, "the subscriptions read", time.Minute, func() bool {
		return s.query("SELECT COUNT(*) FROM nexway_subscriptions WHERE reads > 0 AND expires_on <> ''") == len(pons)
	})
}

// onRenewal records each renewal as a row, with the fake's time it was
// seen; before, when set, runs first and may fail.
func (s *shop[TTx]) onRenewal(srv *nexwaytest.Server, before func(*RenewalEvent) error) func(context.Context, TTx, *RenewalEvent) error {
	return func(ctx context.Context, tx TTx, ev *RenewalEvent) error {
		if before != nil {
			if err := before(ev); err != nil {
				return err
			}
		}
		delivered := 0
		if ev.Order.Delivered() {
			delivered = 1
		}
		return s.exec(ctx, tx, "INSERT INTO renewals (pon, sub, gen, order_pon, delivered, seen_ms) VALUES (?, ?, ?, ?, ?, ?)",
			ev.PartnerOrderNumber, int64(ev.SubscriptionID), ev.Generation, ev.Order.PartnerOrderNumber, delivered, srv.Now().UnixMilli())
	}
}

// runRenewals follows one monthly subscription bought through an order
// job: recorded with the delivery, read on its cadence, a renewal seen
// once, two renewals at once each seen once, a renewal hook that fails
// once, and extra read jobs (a lost job planned again) that see the same
// generation: every (subscription, generation) runs the hook once.
func runRenewals[TTx any](t *testing.T, s *shop[TTx]) {
	ctx := context.Background()
	s.renewalTable()
	srv := newFake(t)
	var failOnce atomic.Bool
	cfg := fastConfig(s, srv.Client, s.hooks(nil))
	cfg.Subscriptions = SubscriptionFollowUp[TTx]{
		OnRenewal: s.onRenewal(srv, func(*RenewalEvent) error {
			if failOnce.CompareAndSwap(true, false) {
				return errors.New("the shop's renewal hook refused")
			}
			return nil
		}),
		Cadence: 400 * time.Millisecond, NearCadence: 100 * time.Millisecond, Tick: 50 * time.Millisecond,
		AccountRate: 1000, Clock: srv.Now,
	}
	c := start(t, cfg, fastRiver())
	const pon = "P-2001"
	s.subscribe(c, pon)
	gens := func() int { return s.query("SELECT COUNT(*) FROM renewals") }

	// One renewal, the hook failing once first.
	failOnce.Store(true)
	srv.Advance(31 * 24 * time.Hour)
	waitFor(t, "the first renewal", 20*time.Second, func() bool { return gens() == 1 })

	// Two renewals between two reads.
	srv.Advance(62 * 24 * time.Hour)
	waitFor(t, "two more renewals", 20*time.Second, func() bool { return gens() == 3 })

	// A fourth, with extra read jobs of the same subscription racing the
	// planned one.
	var sub int64
	if err := s.db.inTx(ctx, func(tx TTx) error {
		return s.db.query(ctx, tx, "SELECT subscription_id FROM nexway_subscriptions", nil, func(r rows) error { return r.Scan(&sub) })
	}); err != nil {
		t.Fatal(err)
	}
	srv.Advance(31 * 24 * time.Hour)
	for range 4 {
		if _, err := c.Insert(ctx, subscriptionReadArgs{Subs: []subRef{{pon, sub}}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the fourth renewal", 20*time.Second, func() bool { return gens() >= 4 })
	waitFor(t, "the extra reads", 20*time.Second, func() bool {
		return s.query("SELECT COUNT(*) FROM river_job WHERE kind = ? AND state NOT IN ('completed')", kindSubscriptionRead) == 0
	})

	for g := 1; g <= 4; g++ {
		if n := s.query("SELECT COUNT(*) FROM renewals WHERE pon = ? AND sub = ? AND gen = ? AND order_pon = ? AND delivered = 1",
			pon, sub, g, nexway.RenewalOrderNumber(pon, g)); n != 1 {
			t.Errorf("generation %d: the hook committed %d times, want once", g, n)
		}
	}
	if n := gens(); n != 4 {
		t.Errorf("%d renewals recorded, want 4", n)
	}
	if s.query("SELECT COUNT(*) FROM river_job WHERE kind = ? AND CAST(errors AS TEXT) LIKE '%renewal hook refused%'", kindSubscriptionRead) == 0 {
		t.Error("the failing hook's error was not recorded on the job")
	}
	if n := s.query("SELECT generation FROM nexway_subscriptions"); n != 4 {
		t.Errorf("the table holds generation %d", n)
	}
}

func TestSubscriptionRenewalsSQLite(t *testing.T) {
	t.Parallel()
	s, _ := sqliteShop(t)
	runRenewals(t, s)
}

func TestSubscriptionRenewalsPgx(t *testing.T) {
	t.Parallel()
	s, _ := pgxShop(t)
	runRenewals(t, s)
}

func TestSubscriptionRenewalsPostgresSQL(t *testing.T) {
	t.Parallel()
	s, _ := pgSQLShop(t)
	runRenewals(t, s)
}

// The phases spread any set of subscriptions evenly over the cadence, and
// the next read falls on a subscription's place, within one cadence.
func TestSubscriptionReadsSpreadEvenly(t *testing.T) {
	const n, buckets = 100000, 20
	every := 4 * time.Hour
	now := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
	var count [buckets]int
	for i := range n {
		p := phaseOf(fmt.Sprintf("SHOP-%06d", i), nexway.SubscriptionID(1000+i))
		next := nextRead(now, p, every)
		if !next.After(now) || next.Sub(now) > every {
			t.Fatalf("next read %v after %v: not within one cadence", next, now)
		}
		if again := nextRead(next.Add(-time.Nanosecond), p, every); !again.Equal(next) {
			t.Fatalf("the slot moved: %v, then %v", next, again)
		}
		count[int(next.Sub(now)*buckets/every)%buckets]++
	}
	for i, c := range count {
		if mean := n / buckets; c < mean*9/10 || c > mean*11/10 {
			t.Errorf("bucket %d of the cadence holds %d reads, the mean is %d", i, c, mean)
		}
	}
}

// Near expiry, a subscription is read at NearCadence.
func TestSubscriptionNearExpiryReadsSooner(t *testing.T) {
	nexwayNow := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
	f := SubscriptionFollowUp[any]{Cadence: 4 * time.Hour, Clock: func() time.Time { return nexwayNow }}.withDefaults()
	now := time.Now()
	for _, c := range []struct {
		expires string
		status  nexway.SubscriptionStatus
		every   time.Duration
	}{
		{"2026-12-31", nexway.SubscriptionActive, 4 * time.Hour},
		{"2026-12-08", nexway.SubscriptionActive, 2 * time.Hour}, // within 24 h
		{"2026-12-05", nexway.SubscriptionActive, 2 * time.Hour}, // past, the renewal not seen yet
		{"2026-12-08", nexway.SubscriptionCancelled, 4 * time.Hour},
	} {
		d, _ := nexway.ParseDate(c.expires)
		st := subscriptionState{status: c.status, expires: d, phase: 1 << 31}
		if got, want := f.nextReadOf(now, st), nextRead(now, st.phase, c.every); !got.Equal(want) {
			t.Errorf("%s %s: next read %v, want every %v (%v)", c.status, c.expires, got, c.every, want)
		}
	}
}

// Bad follow-up settings are refused, naming the field.
func TestSubscriptionConfigRefused(t *testing.T) {
	s, _ := sqliteShop(t)
	srv := newFake(t)
	hook := func(context.Context, *sql.Tx, *RenewalEvent) error { return nil }
	for _, c := range []struct {
		field string
		f     SubscriptionFollowUp[*sql.Tx]
	}{
		{"Subscriptions.Cadence", SubscriptionFollowUp[*sql.Tx]{OnRenewal: hook, Cadence: -1}},
		{"Subscriptions.Share", SubscriptionFollowUp[*sql.Tx]{OnRenewal: hook, Share: 1.5}},
		{"Subscriptions.AccountRate", SubscriptionFollowUp[*sql.Tx]{OnRenewal: hook, AccountRate: -3}},
		{"Subscriptions.NearCadence", SubscriptionFollowUp[*sql.Tx]{OnRenewal: hook, Cadence: time.Hour, NearCadence: 2 * time.Hour}},
		{"Subscriptions.Tick", SubscriptionFollowUp[*sql.Tx]{OnRenewal: hook, Tick: 3 * time.Hour}},
		{"Subscriptions.Batch", SubscriptionFollowUp[*sql.Tx]{OnRenewal: hook, Batch: -1}},
	} {
		cfg := fastConfig(s, srv.Client, s.hooks(nil))
		cfg.Subscriptions = c.f
		_, err := NewClient(cfg, &river.Config{Logger: quietLogger})
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: %v, want an ErrConfig naming it", c.field, err)
		}
	}
}
