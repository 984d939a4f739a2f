package nexwayriver

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"github.com/riverqueue/river"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// postgresEnv names the variable that holds the DSN of the test server;
// .ci/run starts one and sets it.
const postgresEnv = "NEXWAY_TEST_POSTGRES"

// postgresDSN returns the test server's DSN. Without one it skips, except
// under CI, where PostgreSQL must be there.
func postgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must start PostgreSQL (see .ci/run)", postgresEnv)
		}
		t.Skipf("%s is not set: no PostgreSQL to test against", postgresEnv)
	}
	return dsn
}

// sqlitePath opens (creating it) a SQLite database as the package advises:
// one connection, write-ahead logging, a busy timeout.
func openSQLite(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// pgSchema creates a schema of the test's own, dropped at its end, and
// returns the DSN whose search_path is that schema: River's tables and the
// shop's go there.
func pgSchema(t testing.TB) string {
	t.Helper()
	dsn := postgresDSN(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("PostgreSQL at %s: %v", postgresEnv, err)
	}
	defer conn.Close(ctx)
	schema := "nxr_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(context.Background())
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// shop is a storefront's database for the tests: payments, and the rows
// its hooks write, in the tables of shopSchema.
type shop[TTx any] struct {
	t      testing.TB
	db     *DB[TTx]
	exec   func(ctx context.Context, tx TTx, q string, args ...any) error
	query  func(q string, args ...any) int // one integer, outside any transaction
	rebind func(string) string             // ? placeholders into the dialect's
}

const shopSchema = `
CREATE TABLE payments (pon TEXT PRIMARY KEY, amount INTEGER NOT NULL);
CREATE TABLE deliveries (pon TEXT NOT NULL, complete INTEGER NOT NULL, job_id BIGINT NOT NULL);
CREATE TABLE late_deliveries (pon TEXT NOT NULL);
CREATE TABLE failures (pon TEXT NOT NULL, reason TEXT NOT NULL)`

func sqliteShop(t testing.TB) (*shop[*sql.Tx], *sql.DB) {
	t.Helper()
	db := openSQLite(t, filepath.Join(t.TempDir(), "shop.db"))
	return sqlShop(t, SQLite(db), db, func(q string) string { return q }), db
}

func pgSQLShop(t testing.TB) (*shop[*sql.Tx], *sql.DB) {
	t.Helper()
	db, err := sql.Open("pgx", pgSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return sqlShop(t, PostgresSQL(db), db, dollars), db
}

func sqlShop(t testing.TB, d *DB[*sql.Tx], db *sql.DB, rebind func(string) string) *shop[*sql.Tx] {
	t.Helper()
	s := &shop[*sql.Tx]{t: t, db: d, rebind: rebind,
		exec: func(ctx context.Context, tx *sql.Tx, q string, args ...any) error {
			_, err := tx.ExecContext(ctx, rebind(q), args...)
			return err
		},
		query: func(q string, args ...any) int {
			var n int
			if err := db.QueryRow(rebind(q), args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		},
	}
	s.migrate()
	return s
}

func pgxShop(t testing.TB) (*shop[pgx.Tx], *pgxpool.Pool) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), pgSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pgxShopOn(t, pool), pool
}

// pgxShopOn is a migrated shop on pool.
func pgxShopOn(t testing.TB, pool *pgxpool.Pool) *shop[pgx.Tx] {
	s := &shop[pgx.Tx]{t: t, db: Pgx(pool), rebind: dollars,
		exec: func(ctx context.Context, tx pgx.Tx, q string, args ...any) error {
			_, err := tx.Exec(ctx, dollars(q), args...)
			return err
		},
		query: func(q string, args ...any) int {
			var n int
			if err := pool.QueryRow(context.Background(), dollars(q), args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		},
	}
	s.migrate()
	return s
}

func (s *shop[TTx]) migrate() {
	s.t.Helper()
	ctx := context.Background()
	if err := s.db.Migrate(ctx); err != nil {
		s.t.Fatal(err)
	}
	if err := s.db.inTx(ctx, func(tx TTx) error {
		for _, q := range strings.Split(shopSchema, ";") {
			if err := s.exec(ctx, tx, q); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		s.t.Fatal(err)
	}
}

// beforeHook runs first in each hook of the tests' shop; it may fail or
// panic.
type beforeHook[TTx any] func(ctx context.Context, tx TTx, name, pon string) error

// hooks records each outcome as a row; before, when set, runs first in
// each hook and may fail or panic.
func (s *shop[TTx]) hooks(before beforeHook[TTx]) OrderHooks[TTx] {
	run := func(ctx context.Context, tx TTx, name, pon string) error {
		if before != nil {
			return before(ctx, tx, name, pon)
		}
		return nil
	}
	return OrderHooks[TTx]{
		OnOrder: func(ctx context.Context, tx TTx, ev *OrderEvent) error {
			if err := run(ctx, tx, "OnOrder", ev.PartnerOrderNumber); err != nil {
				return err
			}
			complete := 0
			if ev.Complete {
				complete = 1
			}
			return s.exec(ctx, tx, "INSERT INTO deliveries (pon, complete, job_id) VALUES (?, ?, ?)", ev.PartnerOrderNumber, complete, ev.JobID)
		},
		OnLateDelivery: func(ctx context.Context, tx TTx, ev *OrderEvent) error {
			if err := run(ctx, tx, "OnLateDelivery", ev.PartnerOrderNumber); err != nil {
				return err
			}
			if !ev.Order.Delivered() {
				return errors.New("late delivery of an order still missing keys")
			}
			return s.exec(ctx, tx, "INSERT INTO late_deliveries (pon) VALUES (?)", ev.PartnerOrderNumber)
		},
		OnFailure: func(ctx context.Context, tx TTx, f *OrderFailure) error {
			if err := run(ctx, tx, "OnFailure", f.PartnerOrderNumber); err != nil {
				return err
			}
			return s.exec(ctx, tx, "INSERT INTO failures (pon, reason) VALUES (?, ?)", f.PartnerOrderNumber, reason(f.Err))
		},
	}
}

// reason names the sentinel a failure matches.
func reason(err error) string {
	for _, s := range []struct {
		name string
		err  error
	}{
		{"malformed", ErrMalformedJob}, {"out-of-stock", nexway.ErrOutOfStock}, {"rejected", nexway.ErrOrderRejected},
		{"duplicate", nexway.ErrDuplicateOrder}, {"validation", nexway.ErrValidation}, {"not-found", nexway.ErrNotFound},
		{"invalid", nexway.ErrInvalidArgument},
	} {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	return "other: " + err.Error()
}

// quietLogger keeps River's logs out of the test output.
var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// fastRiver is River's configuration for the tests: quick polling, quick
// rescue of the jobs of a killed worker.
func fastRiver() *river.Config {
	return &river.Config{
		FetchCooldown:        5 * time.Millisecond,
		FetchPollInterval:    20 * time.Millisecond,
		Logger:               quietLogger,
		JobTimeout:           20 * time.Second,
		RescueStuckJobsAfter: 30 * time.Second,
	}
}

// fastConfig is the Config of the tests: short waits.
func fastConfig[TTx any](s *shop[TTx], c *nexway.Client, hooks OrderHooks[TTx]) *Config[TTx] {
	return &Config[TTx]{
		Nexway: c, DB: s.db, Orders: hooks,
		Retry: Backoff{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond},
		Poll:  Backoff{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond},
	}
}

// start builds and starts a client, stopped at the test's end.
func start[TTx any](t testing.TB, cfg *Config[TTx], rc *river.Config) *river.Client[TTx] {
	t.Helper()
	c, err := NewClient(cfg, rc)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.Stop(ctx)
	})
	return c
}

// pay records a payment and enqueues its order in one transaction, and
// commits it unless rollback.
func (s *shop[TTx]) pay(c *river.Client[TTx], r *nexway.CreateOrderRequest, rollback bool) error {
	ctx := context.Background()
	errRollback := errors.New("rolled back")
	err := s.db.inTx(ctx, func(tx TTx) error {
		if err := s.exec(ctx, tx, "INSERT INTO payments (pon, amount) VALUES (?, ?)", r.PartnerOrderNumber, 4999); err != nil {
			return err
		}
		if _, err := EnqueueOrderTx(ctx, c, tx, r); err != nil {
			return err
		}
		if rollback {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}

// waitFor polls cond until it holds, failing the test after a bounded
// deadline.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after %v", what, d)
		}
		<-tick.C
	}
}

// drained reports whether no job of the back office is left to run.
func (s *shop[TTx]) drained() bool {
	return s.query("SELECT COUNT(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')") == 0
}

// order returns a valid request for product ref.
func order(pon string, refs ...int) *nexway.CreateOrderRequest {
	lines := make([]nexway.OrderLineRequest, len(refs))
	for i, ref := range refs {
		lines[i] = nexway.OrderLineRequest{ProductRef: nexway.ProductRef(ref), Quantity: 1}
	}
	return &nexway.CreateOrderRequest{
		PartnerOrderNumber: pon,
		OrderDate:          time.Date(2026, 12, 7, 10, 15, 0, 0, time.FixedZone("CET", 3600)),
		Currency:           "EUR",
		Lines:              lines,
		Customer: nexway.Customer{
			Email: "jane.doe@example.com", Language: "fr_FR", IPv4: "203.0.113.10",
			InvoiceLocation: nexway.Location{FirstName: "Jane", LastName: "Doe", Country: "FR"},
		},
		Payment: &nexway.Payment{Method: nexway.ExternalPayment},
	}
}

// newFake starts the fake Nexway with a client that retries quickly.
func newFake(t testing.TB, opts ...nexwaytest.Option) *nexwaytest.Server {
	t.Helper()
	fast := nexway.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, MaxRetryAfter: 30 * time.Second}
	return nexwaytest.NewServer(t, append([]nexwaytest.Option{nexwaytest.WithClientOptions(nexway.WithRetryPolicy(fast))}, opts...)...)
}
