package sqlstore

import (
	"database/sql"
	"errors"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

// OpenSQLite opens (creating it if needed) the SQLite database file at
// path with the pure-Go driver modernc.org/sqlite, set up for a Store:
//
//   - one connection, so that the process's claims queue in Go, in order,
//     instead of meeting SQLite's lock: a writer that finds the database
//     locked polls it with sleeps of up to 100 ms (busy_timeout), which is
//     where 8 concurrent clients used to spend up to seconds per request;
//   - write-ahead logging, and synchronous=NORMAL: a commit is written to
//     the log without waiting for the disk, which is synced at checkpoints.
//     A crash of the process loses nothing; a power loss or an OS crash may
//     lose the last answers recorded. Nexway retries only a call whose
//     answer it did not get, and a call cut by a power loss is in the same
//     state whether its answer was recorded or not (the Fulfiller ran and
//     its answer never arrived), so the store's exactly-once promise is
//     unchanged: what a publisher must tolerate is the Fulfiller's issued
//     key outliving the record, as with any crash between Fulfill and the
//     record;
//   - a busy timeout of 10 s, for other processes sharing the file.
//
// The store runs no multi-statement transaction, so there is no lock to
// upgrade (BEGIN IMMEDIATE would change nothing). ":memory:" opens a
// private in-memory database, for tests. It fails on a path holding '?',
// or when the file cannot be opened.
func OpenSQLite(path string) (*sql.DB, error) {
	if path == "" || strings.Contains(path, "?") {
		return nil, errors.New("sqlstore: SQLite path is empty or holds '?'")
	}
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, err
	}
	// One connection: a :memory: database is private to its connection,
	// and a file's writers would otherwise meet SQLite's busy wait.
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
