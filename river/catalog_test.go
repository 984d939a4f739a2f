package nexwayriver

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"github.com/riverqueue/river"
)

// catalogShop adds the table the catalog hook writes to.
func (s *shop[TTx]) catalogTable() {
	s.t.Helper()
	if err := s.db.inTx(context.Background(), func(tx TTx) error {
		return s.exec(context.Background(), tx, "CREATE TABLE catalog_changes (day TEXT NOT NULL, kind TEXT NOT NULL, ref BIGINT NOT NULL, batch INTEGER NOT NULL)")
	}); err != nil {
		s.t.Fatal(err)
	}
}

func fakeFeedQuery() *nexway.FeedQuery {
	return &nexway.FeedQuery{Secret: nexwaytest.Secret, Provider: nexwaytest.FeedProvider, Config: nexwaytest.FeedConfig}
}

// runCatalog follows a feed over four days: the first import, a day of
// changes, a day imported twice, a mass withdrawal held and then allowed,
// and a hook that fails once.
func runCatalog[TTx any](t *testing.T, s *shop[TTx]) {
	ctx := context.Background()
	s.catalogTable()
	srv := newFake(t)
	var failOnce atomic.Bool
	var batches atomic.Int64
	cfg := fastConfig(s, srv.Client, s.hooks(nil))
	cfg.Catalog = CatalogImport[TTx]{
		Feeds:        []CatalogFeed{{Name: "main", Query: fakeFeedQuery()}},
		BatchSize:    3,
		MaxWithdrawn: 0.2,
		// Never due: River's leader would import today's feed at start,
		// between the days this test imports.
		At: 24*time.Hour - time.Nanosecond,
		OnChanges: func(ctx context.Context, tx TTx, b *CatalogBatch) error {
			n := batches.Add(1)
			for _, ch := range b.Changes {
				if err := s.exec(ctx, tx, "INSERT INTO catalog_changes (day, kind, ref, batch) VALUES (?, ?, ?, ?)", b.Day.String(), ch.Kind.String(), int64(ch.Ref), n); err != nil {
					return err
				}
			}
			if failOnce.CompareAndSwap(true, false) {
				return errors.New("the shop's catalog refused")
			}
			return nil
		},
	}
	c := start(t, cfg, fastRiver())
	day := func(d int) nexway.Date { return nexway.Date{Year: 2026, Month: time.December, Day: d} }
	importDay := func(d int, allow bool) {
		t.Helper()
		if _, err := EnqueueCatalogImport(ctx, c, "main", day(d), allow); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the import", 20*time.Second, s.drained)
	}
	changes := func(d int, kind string) int {
		return s.query("SELECT COUNT(*) FROM catalog_changes WHERE day = ? AND kind = ?", day(d).String(), kind)
	}

	// Day 1: everything is new, in batches of 3.
	importDay(1, false)
	if n := changes(1, "added"); n != 8 {
		t.Fatalf("day 1: %d products added, want the fake's 8", n)
	}
	if n := s.query("SELECT COUNT(DISTINCT batch) FROM catalog_changes"); n != 3 {
		t.Errorf("day 1 in %d batches, want 3", n)
	}
	if n := s.query("SELECT COUNT(*) FROM nexway_catalog_index WHERE feed = 'main'"); n != 8 {
		t.Errorf("the index holds %d products", n)
	}

	// Day 2: one withdrawn, one changed, one added; the hook fails once,
	// so the job is retried and the first attempt commits nothing.
	changed := nexwaytest.DefaultCatalog()[2]
	changed.AmountDutyFree = 19.99
	if err := srv.RemoveProducts(733562); err != nil {
		t.Fatal(err)
	}
	if err := srv.UpdateProducts(changed); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddProducts(nexwaytest.Product{Ref: 733580, Name: "Photo Studio 2026", AmountDutyFree: 59.99, Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	failOnce.Store(true)
	importDay(2, false)
	for kind, ref := range map[string]int{"added": 733580, "changed": int(changed.Ref), "withdrawn": 733562} {
		if n := s.query("SELECT COUNT(*) FROM catalog_changes WHERE day = ? AND kind = ? AND ref = ?", day(2).String(), kind, ref); n != 1 {
			t.Errorf("day 2: %s %d recorded %d times, want once", kind, ref, n)
		}
	}
	if n := s.query("SELECT COUNT(*) FROM catalog_changes WHERE day = ?", day(2).String()); n != 3 {
		t.Errorf("day 2: %d changes recorded, want 3", n)
	}
	if s.query("SELECT MAX(attempt) FROM river_job WHERE kind = ?", kindCatalogImport) < 2 {
		t.Error("the failed import was not retried")
	}

	// Day 2 again: the day is imported once.
	res, err := EnqueueCatalogImport(ctx, c, "main", day(2), false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.UniqueSkippedAsDuplicate {
		t.Error("a second import of day 2 was queued")
	}

	// Day 3: 3 of 8 withdrawn, more than 20%: held, nothing handed over.
	if err := srv.RemoveProducts(733551, 733558, 733580); err != nil {
		t.Fatal(err)
	}
	importDay(3, false)
	if n := s.query("SELECT COUNT(*) FROM catalog_changes WHERE day = ?", day(3).String()); n != 0 {
		t.Errorf("a held import handed over %d changes", n)
	}
	if n := s.query("SELECT COUNT(*) FROM nexway_catalog_runs WHERE day = ? AND state = 'held' AND withdrawn = 3 AND reason LIKE '%3 of 8 products withdrawn%'", day(3).String()); n != 1 {
		t.Error("the held import has no run row an operator can read")
	}
	if n := s.query("SELECT COUNT(*) FROM river_job WHERE kind = ? AND state = 'cancelled' AND CAST(args AS TEXT) LIKE ? AND CAST(errors AS TEXT) LIKE '%would withdraw 3 of 8 products%'",
		kindCatalogImport, "%"+day(3).String()+"%"); n != 1 {
		t.Errorf("the held import's job is not cancelled with the guard's error (%d jobs)", n)
	}
	if n := s.query("SELECT COUNT(*) FROM nexway_catalog_index WHERE feed = 'main'"); n != 8 {
		t.Errorf("a held import changed the index: %d products", n)
	}
	// The operator checked the feed: the withdrawal goes through.
	importDay(3, true)
	if n := changes(3, "withdrawn"); n != 3 {
		t.Errorf("day 3 allowed: %d withdrawn, want 3", n)
	}
	if n := s.query("SELECT COUNT(*) FROM nexway_catalog_runs WHERE day = ? AND state = 'imported'", day(3).String()); n != 1 {
		t.Error("the allowed import has no run row")
	}
	if n := s.query("SELECT COUNT(*) FROM nexway_catalog_index WHERE feed = 'main'"); n != 5 {
		t.Errorf("the index holds %d products after day 3, want 5", n)
	}
}

func TestCatalogImportSQLite(t *testing.T) {
	t.Parallel()
	s, _ := sqliteShop(t)
	runCatalog(t, s)
}

func TestCatalogImportPgx(t *testing.T) {
	t.Parallel()
	s, _ := pgxShop(t)
	runCatalog(t, s)
}

func TestCatalogImportPostgresSQL(t *testing.T) {
	t.Parallel()
	s, _ := pgSQLShop(t)
	runCatalog(t, s)
}

// The daily schedule runs once a day at the time given, UTC.
func TestCatalogDailySchedule(t *testing.T) {
	at := dailyAt(5 * time.Hour)
	for _, c := range []struct{ now, want string }{
		{"2026-12-07T04:59:59Z", "2026-12-07T05:00:00Z"},
		{"2026-12-07T05:00:00Z", "2026-12-08T05:00:00Z"},
		{"2026-12-07T23:00:00+02:00", "2026-12-08T05:00:00Z"},
	} {
		now, _ := time.Parse(time.RFC3339, c.now)
		if got := at.Next(now); !got.Equal(mustTime(c.want)) {
			t.Errorf("Next(%s) = %s, want %s", c.now, got, c.want)
		}
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Bad catalog settings are refused, naming the field, before anything runs.
func TestCatalogConfigRefused(t *testing.T) {
	s, _ := sqliteShop(t)
	srv := newFake(t)
	for _, c := range []struct {
		field string
		set   func(*CatalogImport[*sql.Tx])
	}{
		{"Catalog.OnChanges", func(c *CatalogImport[*sql.Tx]) { c.OnChanges = nil }},
		{"Catalog.MaxWithdrawn", func(c *CatalogImport[*sql.Tx]) { c.MaxWithdrawn = 1.5 }},
		{"Catalog.At", func(c *CatalogImport[*sql.Tx]) { c.At = 25 * time.Hour }},
		{"Catalog.Feeds.Name", func(c *CatalogImport[*sql.Tx]) { c.Feeds = append(c.Feeds, c.Feeds[0]) }},
		{"Catalog.Feeds.Query", func(c *CatalogImport[*sql.Tx]) { c.Feeds[0].Query = nil }},
		{"Catalog.BatchSize", func(c *CatalogImport[*sql.Tx]) { c.BatchSize = -1 }},
	} {
		cfg := fastConfig(s, srv.Client, s.hooks(nil))
		cfg.Catalog = CatalogImport[*sql.Tx]{
			Feeds:     []CatalogFeed{{Name: "main", Query: fakeFeedQuery()}},
			OnChanges: func(context.Context, *sql.Tx, *CatalogBatch) error { return nil },
		}
		c.set(&cfg.Catalog)
		_, err := NewClient(cfg, &river.Config{Logger: quietLogger})
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: %v, want an ErrConfig naming it", c.field, err)
		}
	}
}

// EnqueueCatalogImport refuses, before any insert, what names no import;
// a feed the Config does not hold ends in the job's cancellation.
func TestEnqueueCatalogImportRefused(t *testing.T) {
	ctx := context.Background()
	s, _ := sqliteShop(t)
	srv := newFake(t)
	cfg := fastConfig(s, srv.Client, s.hooks(nil))
	cfg.Catalog = CatalogImport[*sql.Tx]{
		Feeds:     []CatalogFeed{{Name: "main", Query: fakeFeedQuery()}},
		OnChanges: func(context.Context, *sql.Tx, *CatalogBatch) error { return nil },
	}
	c := start(t, cfg, fastRiver())
	today := nexway.Date{Year: 2026, Month: time.December, Day: 7}
	for _, bad := range []struct {
		field string
		feed  string
		day   nexway.Date
	}{{"feed", "", today}, {"day", "main", nexway.Date{}}} {
		if _, err := EnqueueCatalogImport(ctx, c, bad.feed, bad.day, false); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), bad.field) {
			t.Errorf("%s: %v, want an ErrConfig naming it", bad.field, err)
		}
	}
	if _, err := EnqueueCatalogImport[*sql.Tx](ctx, nil, "main", today, false); !errors.Is(err, ErrConfig) {
		t.Errorf("a nil client: %v", err)
	}
	if n := s.query("SELECT COUNT(*) FROM river_job WHERE kind = ?", kindCatalogImport); n != 0 {
		t.Fatalf("%d jobs queued for refused imports", n)
	}
	if _, err := EnqueueCatalogImport(ctx, c, "other", today, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the unknown feed's job", 20*time.Second, s.drained)
	if n := s.query("SELECT COUNT(*) FROM river_job WHERE kind = ? AND state = 'cancelled' AND CAST(errors AS TEXT) LIKE '%malformed job arguments%'", kindCatalogImport); n != 1 {
		t.Error("the import of an unknown feed was not cancelled as malformed")
	}
}

// River's leader inserts the day's import, once its time of day has come,
// with today's date, and the import runs once.
func TestCatalogDailyJobSQLite(t *testing.T) {
	s, _ := sqliteShop(t)
	s.catalogTable()
	srv := newFake(t)
	now := time.Now().UTC()
	// The day's time has just passed: the leader imports the day when it
	// takes over.
	at := now.Sub(now.Truncate(24 * time.Hour))
	if at >= 24*time.Hour-time.Minute {
		t.Skip("too close to midnight UTC for a daily job today")
	}
	cfg := fastConfig(s, srv.Client, s.hooks(nil))
	cfg.Catalog = CatalogImport[*sql.Tx]{
		Feeds: []CatalogFeed{{Name: "main", Query: fakeFeedQuery()}},
		At:    at,
		OnChanges: func(ctx context.Context, tx *sql.Tx, b *CatalogBatch) error {
			return s.exec(ctx, tx, "INSERT INTO catalog_changes (day, kind, ref, batch) VALUES (?, 'batch', ?, 0)", b.Day.String(), len(b.Changes))
		},
	}
	start(t, cfg, fastRiver())
	today := nexway.DateOf(now).String()
	waitFor(t, "the daily import", 30*time.Second, func() bool {
		return s.query("SELECT COUNT(*) FROM nexway_catalog_runs WHERE feed = 'main' AND day = ? AND state = 'imported' AND added = 8", today) == 1
	})
	if n := s.query("SELECT COUNT(*) FROM river_job WHERE kind = ?", kindCatalogImport); n != 1 {
		t.Errorf("%d import jobs, want the day's one", n)
	}
}

// The day is imported once its time has come, not before.
func TestCatalogDayToImport(t *testing.T) {
	at := 5 * time.Hour
	if a := dayToImport("main", at, mustTime("2026-12-07T04:59:59Z")); a != nil {
		t.Errorf("before 05:00: %+v", a)
	}
	for _, now := range []string{"2026-12-07T05:00:00Z", "2026-12-07T23:59:59Z", "2026-12-08T00:30:00+01:00"} {
		if a := dayToImport("main", at, mustTime(now)); a == nil || a.Day != "2026-12-07" || a.Feed != "main" {
			t.Errorf("at %s: %+v, want main on 2026-12-07", now, a)
		}
	}
}
