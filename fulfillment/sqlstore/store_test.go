package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/nexway-go/nexway/fulfillment"
	"github.com/nexway-go/nexway/fulfillment/sqlstore"
	"github.com/nexway-go/nexway/fulfillment/storetest"
)

// The Store contract, the same suite as the in-memory store's.
func TestStoreContract(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			db := be.open(t)
			s := newStore(t, db, be.dialect)
			storetest.Run(t, func(*testing.T) fulfillment.Store { return s })
		})
	}
}

func TestStoreInMemorySQLite(t *testing.T) {
	db, err := sqlstore.OpenSQLite(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := newStore(t, db, sqlstore.SQLite)
	storetest.Run(t, func(*testing.T) fulfillment.Store { return s })
}

func TestMigrateTwice(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			s := newStore(t, be.open(t), be.dialect)
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	db := openSQLite(t)
	for name, tc := range map[string]struct {
		db    *sql.DB
		d     sqlstore.Dialect
		table string
	}{
		"nil db":          {nil, sqlstore.SQLite, ""},
		"unknown dialect": {db, sqlstore.Dialect(9), ""},
		"zero dialect":    {db, 0, ""},
		"injection":       {db, sqlstore.SQLite, "units; DROP TABLE x"},
		"quoted":          {db, sqlstore.SQLite, `"units"`},
		"three parts":     {db, sqlstore.SQLite, "a.b.c"},
	} {
		if _, err := sqlstore.New(tc.db, tc.d, tc.table); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	if _, err := sqlstore.OpenSQLite("units.db?mode=ro"); err == nil {
		t.Error("OpenSQLite accepted a path with '?'")
	}
	if sqlstore.Postgres.String() != "postgres" || sqlstore.SQLite.String() != "sqlite" || sqlstore.Dialect(7).String() != "Dialect(7)" {
		t.Error("Dialect.String")
	}
}

// A store fails, rather than pretending, when its database is gone.
func TestStoreDatabaseDown(t *testing.T) {
	db := openSQLite(t)
	s := newStore(t, db, sqlstore.SQLite)
	db.Close()
	l := fulfillment.Lease{Key: fulfillment.Key{FulfillmentID: "x", Operation: fulfillment.OpCreate}, Token: "t"}
	if _, err := s.Claim(context.Background(), l); err == nil {
		t.Error("Claim on a closed database succeeded")
	}
	if err := s.Complete(context.Background(), l, []byte("{}")); err == nil {
		t.Error("Complete on a closed database succeeded")
	}
	if err := s.Release(context.Background(), l); err == nil {
		t.Error("Release on a closed database succeeded")
	}
}

// OpenSQLite sets up what keeps SQLite's tail latency low: one connection
// (no busy waits inside the process), WAL, synchronous=NORMAL, and a busy
// timeout for other processes.
func TestOpenSQLiteSettings(t *testing.T) {
	db := openSQLite(t)
	if n := db.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("MaxOpenConnections = %d, want 1", n)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "1", "busy_timeout": "10000"} {
		var got string
		if err := db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q (%v), want %q", pragma, got, err, want)
		}
	}
}
