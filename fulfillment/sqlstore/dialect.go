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
// in the type of the byte columns.
//
// A unit's row is found by unit_key, the SHA-256 of its key's parts, each
// prefixed with its length (see unitKey): a fixed-size key that no
// collation, padding rule or index-size limit touches. The parts are kept
// too, as bytes, for people reading the table: PostgreSQL's TEXT refuses
// NUL and invalid UTF-8, and compares under a collation; BYTEA and BLOB
// hold any bytes and compare them as they are.
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
	unit_key ` + blob + ` NOT NULL PRIMARY KEY,
	fulfillment_id ` + blob + ` NOT NULL,
	operation ` + blob + ` NOT NULL,
	generation ` + blob + ` NOT NULL,
	token TEXT NOT NULL,
	lease_until BIGINT NOT NULL,
	answer ` + blob + `
)`,
		// Inserted or updated: 1 row (acquired); a live lease or an
		// answer: 0 rows.
		claim: `INSERT INTO ` + table + ` AS u (unit_key, fulfillment_id, operation, generation, token, lease_until) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (unit_key) DO UPDATE SET token = excluded.token, lease_until = excluded.lease_until
WHERE u.answer IS NULL AND u.lease_until <= $7`,
		read:     `SELECT answer IS NOT NULL, answer, lease_until FROM ` + table + ` WHERE unit_key = $1`,
		complete: `UPDATE ` + table + ` SET answer = $1, lease_until = 0 WHERE unit_key = $2 AND token = $3 AND answer IS NULL`,
		release:  `UPDATE ` + table + ` SET lease_until = 0 WHERE unit_key = $1 AND token = $2 AND answer IS NULL`,
	}
	if d == SQLite {
		for _, s := range []*string{&q.claim, &q.read, &q.complete, &q.release} {
			*s = questionMarks(*s)
		}
	}
	return q, nil
}

// questionMarks rewrites $1…$7 as ?1…?7, SQLite's numbered parameters.
func questionMarks(s string) string {
	return strings.NewReplacer("$1", "?1", "$2", "?2", "$3", "?3", "$4", "?4", "$5", "?5", "$6", "?6", "$7", "?7").Replace(s)
}
