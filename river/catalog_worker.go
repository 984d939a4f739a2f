package nexwayriver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/feed"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

const kindCatalogImport = "nexway_catalog_import"

// catalogArgs is the import of one feed on one day; unique by its
// arguments, so once per feed and day (and once more when an operator
// allows a held import).
type catalogArgs struct {
	Feed                string `json:"feed" river:"unique"`
	Day                 string `json:"day" river:"unique"`
	AllowMassWithdrawal bool   `json:"allowMassWithdrawal,omitempty" river:"unique"`
	malformed
}

func (a *catalogArgs) UnmarshalJSON(b []byte) error {
	type plain catalogArgs // without this method
	*a = catalogArgs{}
	a.problem = decodeArgs(b, (*plain)(a))
	return nil
}

func (catalogArgs) Kind() string { return kindCatalogImport }

func (catalogArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSweep, MaxAttempts: 25, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// dailyAt is River's schedule of the daily import: every day at a time of
// day, UTC.
type dailyAt time.Duration

func (d dailyAt) Next(now time.Time) time.Time {
	t := now.UTC().Truncate(24 * time.Hour).Add(time.Duration(d))
	if !t.After(now) {
		t = t.Add(24 * time.Hour)
	}
	return t
}

// catalogJobs are the periodic jobs of the daily import, one per feed. A
// leader elected after the day's time (a deploy at 05:00) imports the day
// on taking over: the job is unique per feed and day, and a day imported
// is not imported again.
func catalogJobs[TTx any](c *CatalogImport[TTx]) []*river.PeriodicJob {
	var jobs []*river.PeriodicJob
	for _, f := range c.Feeds {
		name, at := f.Name, c.At
		jobs = append(jobs, river.NewPeriodicJob(dailyAt(at), func() (river.JobArgs, *river.InsertOpts) {
			if args := dayToImport(name, at, time.Now()); args != nil {
				return *args, nil
			}
			return nil, nil
		}, &river.PeriodicJobOpts{ID: kindCatalogImport + ":" + name, RunOnStart: true}))
	}
	return jobs
}

// dayToImport is the import due at now: today's (UTC) once its time has
// come, none before, when Nexway may not have refreshed the feed yet.
func dayToImport(feed string, at time.Duration, now time.Time) *catalogArgs {
	now = now.UTC()
	if now.Sub(now.Truncate(24*time.Hour)) < at {
		return nil
	}
	return &catalogArgs{Feed: feed, Day: nexway.DateOf(now).String()}
}

// EnqueueCatalogImport queues the import of the feed named feedName for
// day, as the daily job does: to import before the first scheduled run,
// or, after checking the feed, to import a day the mass-withdrawal guard
// held (allowMassWithdrawal). A day already imported is not imported
// again, and a second enqueue of a queued day reports
// UniqueSkippedAsDuplicate. A name that Config.Catalog does not hold ends
// in the job's cancellation, with ErrMalformedJob. It fails, before any
// insert, for an empty name or the zero date, or when River cannot insert
// the job.
func EnqueueCatalogImport[TTx any](ctx context.Context, client *river.Client[TTx], feedName string, day nexway.Date, allowMassWithdrawal bool) (*rivertype.JobInsertResult, error) {
	switch {
	case client == nil:
		return nil, fmt.Errorf("%w: nil River client", ErrConfig)
	case feedName == "":
		return nil, invalid("feed", "is empty")
	case day.IsZero():
		return nil, invalid("day", "is the zero date")
	}
	res, err := client.Insert(ctx, catalogArgs{Feed: feedName, Day: day.String(), AllowMassWithdrawal: allowMassWithdrawal}, nil)
	if err != nil {
		return nil, fmt.Errorf("nexwayriver: enqueue the import of feed %s: %w", feedName, err)
	}
	return res, nil
}

func (c *CatalogImport[TTx]) feed(name string) (CatalogFeed, bool) {
	for _, f := range c.Feeds {
		if f.Name == name {
			return f, true
		}
	}
	return CatalogFeed{}, false
}

// catalogWorker imports a feed's day.
type catalogWorker[TTx any] struct {
	river.WorkerDefaults[catalogArgs]
	cfg Config[TTx]
}

func (w *catalogWorker[TTx]) NextRetry(job *river.Job[catalogArgs]) time.Time {
	return time.Now().Add(w.cfg.Retry.retryAfter(job.Attempt))
}

func (w *catalogWorker[TTx]) Work(ctx context.Context, job *river.Job[catalogArgs]) error {
	a := job.Args
	if a.problem != nil {
		return river.JobCancel(a.problem)
	}
	f, ok := w.cfg.Catalog.feed(a.Feed)
	day, err := nexway.ParseDate(a.Day)
	if !ok || err != nil {
		return river.JobCancel(fmt.Errorf("%w: catalog import of feed %q on %q: no such feed or day", ErrMalformedJob, a.Feed, a.Day))
	}
	db := w.cfg.DB
	old := new(feed.Index)
	done := false
	if err := db.inTx(ctx, func(tx TTx) error {
		if err := db.query(ctx, tx, `SELECT state FROM nexway_catalog_runs WHERE feed = ? AND day = ?`, []any{a.Feed, a.Day},
			func(r rows) error {
				var state string
				err := r.Scan(&state)
				done = state == "imported"
				return err
			}); err != nil {
			return err
		}
		return db.query(ctx, tx, `SELECT product_ref, hash FROM nexway_catalog_index WHERE feed = ?`, []any{a.Feed},
			func(r rows) error {
				var ref, hash int64
				err := r.Scan(&ref, &hash)
				old.Add(nexway.ProductRef(ref), uint64(hash))
				return err
			})
	}); err != nil {
		return fmt.Errorf("nexwayriver: catalog import of feed %s: read the index: %w", a.Feed, err)
	}
	if done {
		return nil // imported by an earlier job of the day
	}

	next := new(feed.Index)
	var changes []feed.Change
	var withdrawn, rowErrors int
	var counts [4]int
	guard := &feed.CompareOptions{MaxWithdrawn: w.cfg.Catalog.MaxWithdrawn}
	if a.AllowMassWithdrawal {
		guard.MaxWithdrawn = 1
	}
	var mass *feed.MassWithdrawalError
	for ch, err := range old.Compare(feed.Products(ctx, w.cfg.Nexway, f.Query, f.Options), next, guard) {
		switch {
		case errors.Is(err, feed.ErrRow), errors.Is(err, feed.ErrIncomplete):
			// The product keeps yesterday's state; rows without a ref
			// withdraw nothing (next keeps what the feed did not show).
			rowErrors++
			continue
		case errors.As(err, &mass):
			continue
		case err != nil:
			return fmt.Errorf("nexwayriver: catalog import of feed %s: %w", a.Feed, err)
		}
		if ch.Kind == feed.Withdrawn {
			withdrawn++
		}
		counts[ch.Kind]++
		changes = append(changes, ch)
	}

	run := catalogRun{feed: a.Feed, day: a.Day, jobID: job.ID, added: counts[feed.Added], changed: counts[feed.Changed], withdrawn: withdrawn, rowErrors: rowErrors}
	if mass != nil {
		run.state, run.withdrawn = "held", mass.Withdrawn
		run.reason = fmt.Sprintf("%d of %d products withdrawn, more than the %d allowed; check the feed, then import with allowMassWithdrawal",
			mass.Withdrawn, mass.Previous, mass.Limit)
		if err := db.inTx(ctx, func(tx TTx) error { return saveRun(ctx, db, tx, &run) }); err != nil {
			return fmt.Errorf("nexwayriver: catalog import of feed %s: record the hold: %w", a.Feed, err)
		}
		return river.JobCancel(fmt.Errorf("nexwayriver: catalog import of feed %s on %s held: %w", a.Feed, a.Day, mass))
	}

	run.state = "imported"
	return db.inTx(ctx, func(tx TTx) error {
		size := w.cfg.Catalog.BatchSize
		for i := 0; i < len(changes); i += size {
			b := &CatalogBatch{JobID: job.ID, Feed: a.Feed, Day: day, Changes: changes[i:min(i+size, len(changes))]}
			if err := hook(func() error { return w.cfg.Catalog.OnChanges(ctx, tx, b) }, "OnChanges", "feed "+a.Feed); err != nil {
				return err
			}
		}
		if err := saveIndex(ctx, db, tx, a.Feed, next); err != nil {
			return fmt.Errorf("nexwayriver: catalog import of feed %s: save the index: %w", a.Feed, err)
		}
		if err := saveRun(ctx, db, tx, &run); err != nil {
			return fmt.Errorf("nexwayriver: catalog import of feed %s: record the run: %w", a.Feed, err)
		}
		return complete(ctx, tx, job)
	})
}

// catalogRun is a row of nexway_catalog_runs: what a day's import did, or
// why it was held.
type catalogRun struct {
	feed, day, state, reason             string
	jobID                                int64
	added, changed, withdrawn, rowErrors int
}

// saveRun records r, replacing a held run of the same day.
func saveRun[TTx any](ctx context.Context, db *DB[TTx], tx TTx, r *catalogRun) error {
	_, err := db.exec(ctx, tx, `INSERT INTO nexway_catalog_runs
		(feed, day, job_id, state, added, changed, withdrawn, row_errors, reason, at_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (feed, day) DO UPDATE SET job_id = excluded.job_id, state = excluded.state,
		added = excluded.added, changed = excluded.changed, withdrawn = excluded.withdrawn,
		row_errors = excluded.row_errors, reason = excluded.reason, at_ms = excluded.at_ms`,
		r.feed, r.day, r.jobID, r.state, r.added, r.changed, r.withdrawn, r.rowErrors, r.reason, time.Now().UnixMilli())
	return err
}

// saveIndex replaces the feed's index with x.
func saveIndex[TTx any](ctx context.Context, db *DB[TTx], tx TTx, name string, x *feed.Index) error {
	if _, err := db.exec(ctx, tx, `DELETE FROM nexway_catalog_index WHERE feed = ?`, name); err != nil {
		return err
	}
	const chunk = 200 // rows a statement, within both databases' limits on parameters
	args := make([]any, 0, 3*chunk)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		q := "INSERT INTO nexway_catalog_index (feed, product_ref, hash) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(args)/3), ", ")
		_, err := db.exec(ctx, tx, q, args...)
		args = args[:0]
		return err
	}
	for ref, hash := range x.All() {
		args = append(args, name, int64(ref), int64(hash))
		if len(args) == 3*chunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
