package nexwayriver

import (
	"errors"
	"time"

	"github.com/nexway-go/nexway"
)

// Config is what the back office's workers need: the Nexway client, the
// database and the shop's hooks. TTx is the database's transaction type
// (*sql.Tx for SQLite and database/sql, pgx.Tx for pgx).
type Config[TTx any] struct {
	// Nexway makes the calls. Its rate limiter is the account's: share it
	// across machines (redislimit) when more than one worker process runs.
	// Required.
	Nexway *nexway.Client
	// DB is the database of the jobs and of the shop's records. Required.
	DB *DB[TTx]
	// Orders are the hooks of the order jobs. OnOrder and OnFailure are
	// required.
	Orders OrderHooks[TTx]
	// Subscriptions follows the subscriptions of the orders (optional).
	Subscriptions SubscriptionFollowUp[TTx]
	// Catalog imports the product feed daily (optional).
	Catalog CatalogImport[TTx]

	// CheckoutWorkers is how many order jobs one process runs at once
	// (default 10).
	CheckoutWorkers int
	// SweepWorkers is how many sweep jobs one process runs at once
	// (default 2).
	SweepWorkers int
	// Retry spaces the attempts of a job that failed without a definite
	// answer (ambiguous, Nexway unreachable, a hook or the database
	// failing): doubling from Min to Max (defaults 1 s and 10 min).
	Retry Backoff
	// Poll spaces the reads of an order that waits for validation or for
	// late keys: from Min, growing with the time waited up to Max (defaults
	// 1 min and 1 h).
	Poll Backoff
}

// Backoff is a wait that grows from Min to Max.
type Backoff struct {
	Min, Max time.Duration
}

// withDefaults returns a copy of c with the zero values replaced.
func (c *Config[TTx]) withDefaults() Config[TTx] {
	out := *c
	if out.CheckoutWorkers == 0 {
		out.CheckoutWorkers = 10
	}
	if out.SweepWorkers == 0 {
		out.SweepWorkers = 2
	}
	out.Retry = out.Retry.withDefaults(time.Second, 10*time.Minute)
	out.Poll = out.Poll.withDefaults(time.Minute, time.Hour)
	out.Subscriptions, out.Catalog = out.Subscriptions.withDefaults(), out.Catalog.withDefaults()
	return out
}

func (b Backoff) withDefaults(lo, hi time.Duration) Backoff {
	if b.Min == 0 {
		b.Min = lo
	}
	if b.Max == 0 {
		b.Max = max(hi, b.Min)
	}
	return b
}

// validate names the first field of c that cannot work.
func (c *Config[TTx]) validate() error {
	switch {
	case c == nil:
		return invalid("config", "is nil")
	case c.Nexway == nil:
		return invalid("Nexway", "is nil")
	case c.DB == nil:
		return invalid("DB", "is nil")
	case c.Orders.OnOrder == nil:
		return invalid("Orders.OnOrder", "is nil")
	case c.Orders.OnFailure == nil:
		return invalid("Orders.OnFailure", "is nil")
	case c.CheckoutWorkers < 0:
		return invalid("CheckoutWorkers", "is negative")
	case c.SweepWorkers < 0:
		return invalid("SweepWorkers", "is negative")
	}
	if err := errors.Join(c.Subscriptions.validate(), c.Catalog.validate()); err != nil {
		return err
	}
	for _, b := range []struct {
		name string
		b    Backoff
	}{{"Retry", c.Retry}, {"Poll", c.Poll}} {
		if b.b.Min < 0 || b.b.Max < 0 || (b.b.Max != 0 && b.b.Max < b.b.Min) {
			return invalid(b.name, "needs 0 <= Min <= Max")
		}
	}
	return nil
}

// ErrConfig is matched by the errors of a Config that cannot work.
var ErrConfig = errors.New("nexwayriver: invalid configuration")

func invalid(field, why string) error { return &fieldError{field, why} }

// fieldError names the field of a Config that cannot work.
type fieldError struct{ field, why string }

func (e *fieldError) Error() string        { return "nexwayriver: " + e.field + " " + e.why }
func (e *fieldError) Is(target error) bool { return target == ErrConfig }
