package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
)

// A Dialect is the SQL flavour of the database behind a Store.
type Dialect int

// The databases a Store speaks to.
const (
	// Postgres is PostgreSQL 9.5 or later, through any database/sql driver
	// (github.com/jackc/pgx/v5/stdlib is the one tested).
	Postgres Dialect = iota + 1
	// SQLite is SQLite 3.24 or later (modernc.org/sqlite is the one tested;
	// see OpenSQLite).
	SQLite
)

// String returns the dialect's name.
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case SQLite:
		return "sqlite"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// queries are a store's statements, written for its dialect and table.
type queries struct {
	create, claim, read, complete, release string
}

// build writes the statements. Both dialects have INSERT … ON CONFLICT DO
// UPDATE … WHERE, which claims a new unit and takes over an expired lease
// in one atomic statement; they differ in placeholders ($1 against ?) and
// in the type of the answer column.
func (d Dialect) build(table string) (queries, error) {
	var blob string
	switch d {
	case Postgres:
		blob = "BYTEA"
	case SQLite:
		blob = "BLOB"
	default:
		return queries{}, fmt.Errorf("sqlstore: unknown dialect %d", int(d))
	}
	q := queries{
		create: `CREATE TABLE IF NOT EXISTS ` + table + ` (
	fulfillment_id TEXT NOT NULL,
	operation TEXT NOT NULL,
	token TEXT NOT NULL,
	lease_until BIGINT NOT NULL,
	answer ` + blob + `,
	PRIMARY KEY (fulfillment_id, operation)
)`,
		// Inserted or updated: 1 row (acquired); a live lease or an
		// answer: 0 rows.
		claim: `INSERT INTO ` + table + ` AS u (fulfillment_id, operation, token, lease_until) VALUES ($1, $2, $3, $4)
ON CONFLICT (fulfillment_id, operation) DO UPDATE SET token = excluded.token, lease_until = excluded.lease_until
WHERE u.answer IS NULL AND u.lease_until <= $5`,
		read:     `SELECT answer IS NOT NULL, answer, lease_until FROM ` + table + ` WHERE fulfillment_id = $1 AND operation = $2`,
		complete: `UPDATE ` + table + ` SET answer = $1, lease_until = 0 WHERE fulfillment_id = $2 AND operation = $3 AND token = $4 AND answer IS NULL`,
		release:  `UPDATE ` + table + ` SET lease_until = 0 WHERE fulfillment_id = $1 AND operation = $2 AND token = $3 AND answer IS NULL`,
	}
	if d == SQLite {
		for _, s := range []*string{&q.claim, &q.read, &q.complete, &q.release} {
			*s = questionMarks(*s)
		}
	}
	return q, nil
}

// questionMarks rewrites $1…$5 as ?1…?5, SQLite's numbered parameters.
func questionMarks(s string) string {
	return strings.NewReplacer("$1", "?1", "$2", "?2", "$3", "?3", "$4", "?4", "$5", "?5").Replace(s)
}
