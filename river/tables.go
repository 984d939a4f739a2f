package nexwayriver

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The module's own tables, beside River's: the subscriptions it follows and
// the catalog index it compares each day's feed with. The same statements
// run on SQLite and PostgreSQL: times are Unix milliseconds, hashes are
// stored as signed 64-bit integers.
var tableSchema = []string{
	`CREATE TABLE IF NOT EXISTS nexway_subscriptions (
		partner_order_number TEXT NOT NULL,
		subscription_id BIGINT NOT NULL,
		generation INTEGER NOT NULL DEFAULT 0,
		status TEXT NOT NULL DEFAULT 'active',
		expires_on TEXT NOT NULL DEFAULT '',
		phase BIGINT NOT NULL,
		next_read_ms BIGINT NOT NULL,
		queued INTEGER NOT NULL DEFAULT 0,
		reads BIGINT NOT NULL DEFAULT 0,
		last_error TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (partner_order_number, subscription_id))`,
	`CREATE INDEX IF NOT EXISTS nexway_subscriptions_due ON nexway_subscriptions (next_read_ms)`,
	`CREATE TABLE IF NOT EXISTS nexway_catalog_index (
		feed TEXT NOT NULL,
		product_ref BIGINT NOT NULL,
		hash BIGINT NOT NULL,
		PRIMARY KEY (feed, product_ref))`,
	`CREATE TABLE IF NOT EXISTS nexway_catalog_runs (
		feed TEXT NOT NULL,
		day TEXT NOT NULL,
		job_id BIGINT NOT NULL,
		state TEXT NOT NULL,
		added BIGINT NOT NULL,
		changed BIGINT NOT NULL,
		withdrawn BIGINT NOT NULL,
		row_errors BIGINT NOT NULL,
		reason TEXT NOT NULL,
		at_ms BIGINT NOT NULL,
		PRIMARY KEY (feed, day))`,
}

// migrateTables creates the module's tables when they are missing.
func (d *DB[TTx]) migrateTables(ctx context.Context) error {
	err := d.inTx(ctx, func(tx TTx) error {
		for _, q := range tableSchema {
			if _, err := d.exec(ctx, tx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("nexwayriver: migrate %s: %w", d.name, err)
	}
	return nil
}

// exec runs q (with ? placeholders) in tx and returns the rows it changed.
func (d *DB[TTx]) exec(ctx context.Context, tx TTx, q string, args ...any) (int64, error) {
	switch t := any(tx).(type) {
	case *sql.Tx:
		res, err := t.ExecContext(ctx, d.rebind(q), args...)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	case pgx.Tx:
		tag, err := t.Exec(ctx, d.rebind(q), args...)
		return tag.RowsAffected(), err
	}
	return 0, fmt.Errorf("nexwayriver: unsupported transaction type %T", tx)
}

// rows is what query needs of *sql.Rows and pgx.Rows.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// query runs q (with ? placeholders) in tx and calls each for every row.
func (d *DB[TTx]) query(ctx context.Context, tx TTx, q string, args []any, each func(rows) error) error {
	var rs rows
	var done func()
	switch t := any(tx).(type) {
	case *sql.Tx:
		r, err := t.QueryContext(ctx, d.rebind(q), args...)
		if err != nil {
			return err
		}
		rs, done = r, func() { r.Close() }
	case pgx.Tx:
		r, err := t.Query(ctx, d.rebind(q), args...)
		if err != nil {
			return err
		}
		rs, done = r, r.Close
	default:
		return fmt.Errorf("nexwayriver: unsupported transaction type %T", tx)
	}
	defer done()
	for rs.Next() {
		if err := each(rs); err != nil {
			return err
		}
	}
	return rs.Err()
}

// rebind numbers the ? placeholders of q as PostgreSQL's $1, $2...; the
// statements hold no ? in literals.
func (d *DB[TTx]) rebind(q string) string {
	if d.name != "postgres" || !strings.Contains(q, "?") {
		return q
	}
	return dollars(q)
}

// dollars numbers the ? placeholders of q as PostgreSQL's $1, $2...
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
