// Package sqlstore keeps the units of a fulfillment.Handler in a SQL
// database through database/sql, so that every replica of a publisher's
// service shares them: PostgreSQL for a fleet, or SQLite embedded in a
// single server (pure Go, no cgo; see OpenSQLite).
//
//	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL")) // import _ "github.com/jackc/pgx/v5/stdlib"
//	store, err := sqlstore.New(db, sqlstore.Postgres, "")
//	err = store.Migrate(ctx)
//	h, err := fulfillment.NewHandler(f, store, fulfillment.WithBasicAuth(user, password))
//
// Each unit is one row keyed by a digest of its fulfillment id, operation
// and generation, compared as bytes: two keys that differ in any byte are
// two rows, whatever the database's collation. Claiming is a
// single INSERT … ON CONFLICT DO UPDATE … WHERE statement: it creates the
// row, or takes over a lease that has ended, or changes nothing; so two
// replicas never hold the same unit, whatever the isolation level. Lease
// times are the handlers' clocks in Unix nanoseconds: replicas whose clocks
// disagree by more than a small part of the lease take over early or late.
package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nexway-go/nexway/fulfillment"
)

// DefaultTable is the table a Store uses unless told otherwise.
const DefaultTable = "nexway_fulfillment"

// Store is a fulfillment.Store on a SQL database. It is safe for
// concurrent use, and shared safely by processes using the same table.
type Store struct {
	db *sql.DB
	q  queries
}

var _ fulfillment.Store = (*Store)(nil)

// identifier is a table name, optionally schema-qualified, that needs no
// quoting.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// New returns a Store keeping units in table ("" for DefaultTable) of db,
// which speaks dialect d. It fails on a nil db, an unknown dialect or a
// table name that is not a plain identifier. Call Migrate once to create
// the table.
func New(db *sql.DB, d Dialect, table string) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: nil *sql.DB")
	}
	if table == "" {
		table = DefaultTable
	}
	if !identifier.MatchString(table) {
		return nil, fmt.Errorf("sqlstore: table name %q is not a plain identifier", table)
	}
	q, err := d.build(table)
	if err != nil {
		return nil, err
	}
	return &Store{db: db, q: q}, nil
}

// Migrate creates the store's table if it does not exist: columns
// unit_key (the primary key: SHA-256 of the key's parts), fulfillment_id,
// operation and generation (the parts, as BYTEA or BLOB), token,
// lease_until (BIGINT, Unix nanoseconds) and answer (BYTEA or BLOB, NULL
// until answered). It is safe to call at every start-up; it fails when the
// database does, or when a table of that name exists without those
// columns (the failure then shows at the first Claim).
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, s.q.create); err != nil {
		return fmt.Errorf("sqlstore: create table: %w", err)
	}
	return nil
}

// claimAttempts bounds Claim's loop: it repeats only when a lease was
// released between its write and its read.
const claimAttempts = 3

// Claim implements fulfillment.Store.
func (s *Store) Claim(ctx context.Context, l fulfillment.Lease) (fulfillment.Outcome, error) {
	k := l.Key
	uk := unitKey(k)
	now := l.Now.UnixNano()
	for range claimAttempts {
		res, err := s.db.ExecContext(ctx, s.q.claim, uk, []byte(k.FulfillmentID), []byte(k.Operation), []byte(k.Generation),
			l.Token, l.Until.UnixNano(), now)
		if err != nil {
			return fulfillment.Outcome{}, fmt.Errorf("sqlstore: claim: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fulfillment.Outcome{}, fmt.Errorf("sqlstore: claim: %w", err)
		} else if n == 1 {
			return fulfillment.Outcome{Status: fulfillment.Acquired}, nil
		}
		var (
			answered bool
			answer   []byte
			until    int64
		)
		err = s.db.QueryRowContext(ctx, s.q.read, uk).Scan(&answered, &answer, &until)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue // deleted by hand meanwhile: insert again
		case err != nil:
			return fulfillment.Outcome{}, fmt.Errorf("sqlstore: claim: read unit: %w", err)
		case answered:
			if answer == nil {
				answer = []byte{}
			}
			return fulfillment.Outcome{Status: fulfillment.Answered, Answer: answer}, nil
		case until > now:
			return fulfillment.Outcome{Status: fulfillment.InFlight, Until: time.Unix(0, until)}, nil
		}
		// Released between the two statements: claim again.
	}
	return fulfillment.Outcome{}, errors.New("sqlstore: claim: the unit kept changing")
}

// Complete implements fulfillment.Store.
func (s *Store) Complete(ctx context.Context, l fulfillment.Lease, answer []byte) error {
	if answer == nil {
		answer = []byte{}
	}
	return s.update(ctx, "complete", s.q.complete, answer, unitKey(l.Key), l.Token)
}

// Release implements fulfillment.Store.
func (s *Store) Release(ctx context.Context, l fulfillment.Lease) error {
	return s.update(ctx, "release", s.q.release, unitKey(l.Key), l.Token)
}

// update runs a statement that changes the unit only while the lease's
// token holds it.
func (s *Store) update(ctx context.Context, what, query string, args ...any) error {
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	if n == 0 {
		return fulfillment.ErrLeaseLost
	}
	return nil
}

// unitKey is the row key of k: SHA-256 over each part prefixed with its
// length, so that no two keys share a digest short of a SHA-256 collision,
// and "ab"+"" is not "a"+"b".
func unitKey(k fulfillment.Key) []byte {
	h := sha256.New()
	var n [8]byte
	for _, part := range []string{k.FulfillmentID, string(k.Operation), k.Generation} {
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write([]byte(part))
	}
	return h.Sum(nil)
}
