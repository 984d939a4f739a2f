package nexwayriver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// DB is the database the jobs and the shop's records live in: River's
// driver for it, and the transactions the hooks run in. TTx is the
// transaction type the shop's code receives: *sql.Tx or pgx.Tx.
type DB[TTx any] struct {
	name     string
	driver   riverdriver.Driver[TTx]
	begin    func(context.Context) (TTx, error)
	commit   func(context.Context, TTx) error
	rollback func(context.Context, TTx) error
}

// SQLite is a SQLite database opened with database/sql (the pure-Go
// modernc.org/sqlite driver, as fulfillment/sqlstore opens it): jobs on one
// machine with nothing to install. SQLite allows one writer at a time: open
// it with a busy timeout and write-ahead logging, or with
// db.SetMaxOpenConns(1), as River's SQLite driver advises. It panics on a
// nil db.
func SQLite(db *sql.DB) *DB[*sql.Tx] {
	return sqlDB("sqlite", db, riversqlite.New(mustDB(db)))
}

// PostgresSQL is a PostgreSQL database opened with database/sql (pgx's
// stdlib driver or lib/pq). River then polls for new jobs; Pgx also wakes
// workers with LISTEN/NOTIFY. It panics on a nil db.
func PostgresSQL(db *sql.DB) *DB[*sql.Tx] {
	return sqlDB("postgres", db, riverdatabasesql.New(mustDB(db)))
}

func mustDB(db *sql.DB) *sql.DB {
	if db == nil {
		panic("nexwayriver: nil *sql.DB")
	}
	return db
}

func sqlDB(name string, db *sql.DB, d riverdriver.Driver[*sql.Tx]) *DB[*sql.Tx] {
	return &DB[*sql.Tx]{
		name:     name,
		driver:   d,
		begin:    func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) },
		commit:   func(_ context.Context, tx *sql.Tx) error { return tx.Commit() },
		rollback: func(_ context.Context, tx *sql.Tx) error { return tx.Rollback() },
	}
}

// Pgx is a PostgreSQL database reached through a pgx pool: jobs on any
// number of machines, workers woken by LISTEN/NOTIFY as soon as a job
// commits. It panics on a nil pool.
func Pgx(pool *pgxpool.Pool) *DB[pgx.Tx] {
	if pool == nil {
		panic("nexwayriver: nil *pgxpool.Pool")
	}
	return &DB[pgx.Tx]{
		name:     "postgres",
		driver:   riverpgxv5.New(pool),
		begin:    func(ctx context.Context) (pgx.Tx, error) { return pool.Begin(ctx) },
		commit:   func(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) },
		rollback: func(ctx context.Context, tx pgx.Tx) error { return tx.Rollback(ctx) },
	}
}

// Driver returns River's driver for the database, for river.NewClient.
func (d *DB[TTx]) Driver() riverdriver.Driver[TTx] { return d.driver }

// Migrate creates or updates River's tables to the version the River
// release in use needs, and the module's own (nexway_subscriptions,
// nexway_catalog_index, nexway_catalog_runs). It is safe to run on every start; it fails when
// the database cannot be reached or the migration fails.
func (d *DB[TTx]) Migrate(ctx context.Context) error {
	m, err := rivermigrate.New(d.driver, nil)
	if err != nil {
		return fmt.Errorf("nexwayriver: migrate %s: %w", d.name, err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("nexwayriver: migrate %s: %w", d.name, err)
	}
	return d.migrateTables(ctx)
}

// errPanic marks a hook that panicked; the job is retried.
var errPanic = errors.New("nexwayriver: hook panicked")

// inTx runs fn in a new transaction and commits it when fn succeeds. A
// failure or a panic in fn rolls the transaction back and is returned as
// an error, so that the job is retried with nothing committed.
func (d *DB[TTx]) inTx(ctx context.Context, fn func(TTx) error) (err error) {
	tx, err := d.begin(ctx)
	if err != nil {
		return fmt.Errorf("nexwayriver: begin a transaction on %s: %w", d.name, err)
	}
	done := false
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errPanic, p)
		}
		if !done {
			_ = d.rollback(context.WithoutCancel(ctx), tx)
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	done = true
	if err := d.commit(ctx, tx); err != nil {
		return fmt.Errorf("nexwayriver: commit on %s: %w", d.name, err)
	}
	return nil
}
