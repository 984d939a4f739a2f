package sqlstore

import (
	"database/sql"
	"errors"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

// OpenSQLite opens (creating it if needed) the SQLite database file at
// path with the pure-Go driver modernc.org/sqlite, set up for a Store:
// write-ahead logging, so that readers do not block the writer, and a busy
// timeout of 10 s, so that concurrent claims wait for each other instead of
// failing. ":memory:" opens a private in-memory database on a single
// connection, for tests. It fails on a path holding '?', or when the file
// cannot be opened.
func OpenSQLite(path string) (*sql.DB, error) {
	if path == "" || strings.Contains(path, "?") {
		return nil, errors.New("sqlstore: SQLite path is empty or holds '?'")
	}
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	if path == ":memory:" {
		db.SetMaxOpenConns(1) // each connection would have a database of its own
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
