package nexwayriver

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

const (
	kindSubscriptionPlan = "nexway_subscription_plan"
	kindSubscriptionRead = "nexway_subscription_read"
)

// maxPlanned bounds the reads one plan queues, so that a backlog (a leader
// that was down for a day) is queued over several ticks rather than in one
// huge transaction.
const maxPlanned = 20000

// subscriptionPlanArgs is the periodic job that queues the reads falling
// due. River's leader inserts it every Tick; it is unique per Tick, so that
// a new leader does not plan twice.
type subscriptionPlanArgs struct{}

func (subscriptionPlanArgs) Kind() string { return kindSubscriptionPlan }

// subRef names one subscription to read.
type subRef struct {
	PartnerOrderNumber string `json:"pon"`
	SubscriptionID     int64  `json:"id"`
}

// subscriptionReadArgs is a job that reads a batch of subscriptions.
type subscriptionReadArgs struct {
	Subs []subRef `json:"subs"`
}

func (subscriptionReadArgs) Kind() string { return kindSubscriptionRead }

func (subscriptionReadArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSweep, MaxAttempts: 25}
}

// subscriptionPlanJob is the periodic job of the plan.
func subscriptionPlanJob(tick time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(tick), func() (river.JobArgs, *river.InsertOpts) {
		return subscriptionPlanArgs{}, &river.InsertOpts{
			Queue:       QueueSweep,
			MaxAttempts: 3,
			UniqueOpts:  river.UniqueOpts{ByPeriod: tick},
		}
	}, &river.PeriodicJobOpts{ID: kindSubscriptionPlan, RunOnStart: true})
}

// subscriptionPlanWorker queues, in batches, the reads that fall due
// before the next plan, each batch scheduled at the time of its first
// read.
type subscriptionPlanWorker[TTx any] struct {
	river.WorkerDefaults[subscriptionPlanArgs]
	cfg Config[TTx]
}

func (w *subscriptionPlanWorker[TTx]) Work(ctx context.Context, job *river.Job[subscriptionPlanArgs]) error {
	f := &w.cfg.Subscriptions
	now := time.Now()
	// Planned one tick ahead, so each batch is queued before it is due. A
	// row queued for a whole Cadence past its time belongs to a job that
	// was lost (discarded, or deleted by hand): it is planned again, which
	// at worst reads it twice (a renewal still commits once).
	horizon := now.Add(2 * f.Tick).UnixMilli()
	stale := now.Add(-f.Cadence).UnixMilli()
	return w.cfg.DB.inTx(ctx, func(tx TTx) error {
		type due struct {
			ref subRef
			at  int64
		}
		var list []due
		err := w.cfg.DB.query(ctx, tx, `SELECT partner_order_number, subscription_id, next_read_ms
			FROM nexway_subscriptions
			WHERE next_read_ms <= ? AND status <> 'expired' AND (queued = 0 OR next_read_ms < ?)
			ORDER BY next_read_ms LIMIT ?`, []any{horizon, stale, maxPlanned}, func(r rows) error {
			var d due
			if err := r.Scan(&d.ref.PartnerOrderNumber, &d.ref.SubscriptionID, &d.at); err != nil {
				return err
			}
			list = append(list, d)
			return nil
		})
		if err != nil {
			return fmt.Errorf("nexwayriver: plan the subscription reads: %w", err)
		}
		// A batch holds reads due within a quarter tick of its first, so
		// that it starts no later than that after each is due.
		var params []river.InsertManyParams
		window := f.Tick.Milliseconds() / 4
		for i := 0; i < len(list); {
			j := i + 1
			for j < len(list) && j-i < f.Batch && list[j].at-list[i].at <= window {
				j++
			}
			args := subscriptionReadArgs{Subs: make([]subRef, 0, j-i)}
			for _, d := range list[i:j] {
				args.Subs = append(args.Subs, d.ref)
			}
			params = append(params, river.InsertManyParams{Args: args, InsertOpts: &river.InsertOpts{ScheduledAt: time.UnixMilli(list[i].at)}})
			i = j
		}
		if len(params) == 0 {
			return complete(ctx, tx, job)
		}
		client := river.ClientFromContext[TTx](ctx)
		if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
			return fmt.Errorf("nexwayriver: queue the subscription reads: %w", err)
		}
		for _, d := range list {
			if _, err := w.cfg.DB.exec(ctx, tx, `UPDATE nexway_subscriptions SET queued = 1
				WHERE partner_order_number = ? AND subscription_id = ?`, d.ref.PartnerOrderNumber, d.ref.SubscriptionID); err != nil {
				return fmt.Errorf("nexwayriver: plan the subscription reads: %w", err)
			}
		}
		return complete(ctx, tx, job)
	})
}
