package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/nexway-go/nexway/fulfillment/sqlstore"
)

// postgresEnv names the variable that holds the DSN of the test server;
// .ci/run starts one and sets it.
const postgresEnv = "NEXWAY_TEST_POSTGRES"

// openPostgres connects to the test server. Without one it skips, except
// under CI, where PostgreSQL must be there.
func openPostgres(t testing.TB) *sql.DB {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must start PostgreSQL (see .ci/run)", postgresEnv)
		}
		t.Skipf("%s is not set: no PostgreSQL to test against", postgresEnv)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("PostgreSQL at %s: %v", postgresEnv, err)
	}
	return db
}

// openSQLite opens a database file in a temporary directory.
func openSQLite(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sqlstore.OpenSQLite(filepath.Join(t.TempDir(), "units.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newTable creates a table of the test's own, dropped at its end.
func newTable(t testing.TB, db *sql.DB, d sqlstore.Dialect) string {
	t.Helper()
	table := "nexway_fulfillment_" + strings.ToLower(rand.Text())
	if err := storeOn(t, db, d, table).Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP TABLE " + table) })
	return table
}

// storeOn returns a store on table.
func storeOn(t testing.TB, db *sql.DB, d sqlstore.Dialect, table string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.New(db, d, table)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newStore returns a store on a new table.
func newStore(t testing.TB, db *sql.DB, d sqlstore.Dialect) *sqlstore.Store {
	return storeOn(t, db, d, newTable(t, db, d))
}

// backends are the databases every test runs against.
var backends = []struct {
	name    string
	dialect sqlstore.Dialect
	open    func(testing.TB) *sql.DB
}{
	{"postgres", sqlstore.Postgres, openPostgres},
	{"sqlite", sqlstore.SQLite, openSQLite},
}
