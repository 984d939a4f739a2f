package nexwayriver

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
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
// due. River's leader inserts it every Tick; it is unique while one is
// waiting or running, so that two plans never queue the same reads.
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
	malformed
}

func (a *subscriptionReadArgs) UnmarshalJSON(b []byte) error {
	type plain subscriptionReadArgs // without this method
	*a = subscriptionReadArgs{}
	a.problem = decodeArgs(b, (*plain)(a))
	return nil
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
			UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
				rivertype.JobStateRunning, rivertype.JobStateScheduled,
			}},
		}
	}, &river.PeriodicJobOpts{ID: kindSubscriptionPlan, RunOnStart: true})
}

// subscriptionPlanWorker queues, in batches, the reads that have fallen
// due.
type subscriptionPlanWorker[TTx any] struct {
	river.WorkerDefaults[subscriptionPlanArgs]
	cfg Config[TTx]
}

func (w *subscriptionPlanWorker[TTx]) Work(ctx context.Context, job *river.Job[subscriptionPlanArgs]) error {
	f := &w.cfg.Subscriptions
	now := time.Now()
	// The reads due are queued as they fall due, available at once:
	// River moves a job scheduled for later only every few seconds, and a
	// read is at most one Tick late this way. A row queued for three
	// cadences past its time belongs to a job that was lost (discarded, or
	// deleted by hand), or to a sweep far behind: it is planned again,
	// which at worst reads it twice (a renewal still commits once).
	stale := now.Add(-3 * f.Cadence).UnixMilli()
	return w.cfg.DB.inTx(ctx, func(tx TTx) error {
		var list []subRef
		err := w.cfg.DB.query(ctx, tx, `SELECT partner_order_number, subscription_id
			FROM nexway_subscriptions
			WHERE next_read_ms <= ? AND status <> 'expired' AND (queued = 0 OR next_read_ms < ?)
			ORDER BY next_read_ms LIMIT ?`, []any{now.UnixMilli(), stale, maxPlanned}, func(r rows) error {
			var ref subRef
			if err := r.Scan(&ref.PartnerOrderNumber, &ref.SubscriptionID); err != nil {
				return err
			}
			list = append(list, ref)
			return nil
		})
		if err != nil {
			return fmt.Errorf("nexwayriver: plan the subscription reads: %w", err)
		}
		if len(list) == 0 {
			return complete(ctx, tx, job)
		}
		var params []river.InsertManyParams
		for i := 0; i < len(list); i += f.Batch {
			params = append(params, river.InsertManyParams{Args: subscriptionReadArgs{Subs: list[i:min(i+f.Batch, len(list))]}})
		}
		client := river.ClientFromContext[TTx](ctx)
		if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
			return fmt.Errorf("nexwayriver: queue the subscription reads: %w", err)
		}
		for _, ref := range list {
			if _, err := w.cfg.DB.exec(ctx, tx, `UPDATE nexway_subscriptions SET queued = 1
				WHERE partner_order_number = ? AND subscription_id = ?`, ref.PartnerOrderNumber, ref.SubscriptionID); err != nil {
				return fmt.Errorf("nexwayriver: plan the subscription reads: %w", err)
			}
		}
		return complete(ctx, tx, job)
	})
}
