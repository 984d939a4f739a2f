package nexwayriver

import (
	"context"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/feed"
)

// CatalogImport imports Nexway's product feed once a day. Nexway refreshes
// the feed daily by 05:30 CET; a periodic job, inserted by River's elected
// leader only, unique per feed and day, compares the day's feed with the
// index of the last import kept in the table nexway_catalog_index and hands
// the changes (added, changed, withdrawn) to OnChanges in batches, all in
// the transaction that completes the job, with the new index and a row of
// nexway_catalog_runs: the import commits whole, once per feed and day, or
// not at all. A feed cut short withdraws nothing (package feed); the job
// is retried.
//
// The mass-withdrawal guard: when the day's feed withdraws more than
// MaxWithdrawn of the products indexed (a feed emptied or truncated at
// Nexway, a wrong provider id), nothing is handed over; the run is
// recorded in nexway_catalog_runs with state "held" and the job is
// cancelled with the feed's *feed.MassWithdrawalError (matching
// feed.ErrMassWithdrawal), both of which an operator sees (the job in
// River's UI). Once the feed is checked,
// EnqueueCatalogImport with allowMassWithdrawal imports it.
type CatalogImport[TTx any] struct {
	// Feeds are the feeds to import, each under a name of its own. None:
	// no import.
	Feeds []CatalogFeed
	// OnChanges applies a batch of changes to the shop's catalog, in tx.
	// Like the order hooks it may run more than once before one run
	// commits, so it writes to tx only. Required with Feeds.
	OnChanges func(ctx context.Context, tx TTx, b *CatalogBatch) error
	// BatchSize is the most changes a batch holds (default 500).
	BatchSize int
	// MaxWithdrawn is the share of the indexed products that one day may
	// withdraw before the import is held, within [0, 1]: the feed
	// package's guard (feed.CompareOptions; 0 means
	// feed.DefaultMaxWithdrawn, 20%; 1 turns the guard off).
	MaxWithdrawn float64
	// At is the time of day, UTC, of the daily import (default 05:00 UTC,
	// 06:00 CET, after Nexway's refresh).
	At time.Duration
}

// CatalogFeed is one feed of the daily import.
type CatalogFeed struct {
	// Name keys the feed's index and runs; it must be unique and not
	// empty.
	Name string
	// Query locates the feed (nexway.FeedQuery: secret, provider,
	// config).
	Query *nexway.FeedQuery
	// Options, when set, are the decoder's (format, separator...).
	Options *feed.Options
}

// CatalogBatch is a batch of the day's changes, handed to OnChanges.
type CatalogBatch struct {
	// JobID is the River job of the import.
	JobID int64
	// Feed is the feed's name, Day the day of the import (UTC).
	Feed string
	Day  nexway.Date
	// Changes are feed.Index.Compare's: products added and changed, with
	// today's product, then refs withdrawn.
	Changes []feed.Change
}

func (c CatalogImport[TTx]) withDefaults() CatalogImport[TTx] {
	if c.BatchSize == 0 {
		c.BatchSize = 500
	}
	if c.At == 0 {
		c.At = 5 * time.Hour
	}
	return c
}

// validate names the first field that cannot work.
func (c *CatalogImport[TTx]) validate() error {
	switch {
	case len(c.Feeds) > 0 && c.OnChanges == nil:
		return invalid("Catalog.OnChanges", "is nil")
	case c.BatchSize < 0:
		return invalid("Catalog.BatchSize", "is negative")
	case !(c.MaxWithdrawn >= 0 && c.MaxWithdrawn <= 1):
		return invalid("Catalog.MaxWithdrawn", "must be within [0, 1]")
	case c.At < 0 || c.At >= 24*time.Hour:
		return invalid("Catalog.At", "must be a time of day, within [0, 24h)")
	}
	seen := map[string]bool{}
	for _, f := range c.Feeds {
		switch {
		case f.Name == "":
			return invalid("Catalog.Feeds.Name", "is empty")
		case seen[f.Name]:
			return invalid("Catalog.Feeds.Name", "repeats "+f.Name)
		case f.Query == nil:
			return invalid("Catalog.Feeds.Query", "is nil for feed "+f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}
