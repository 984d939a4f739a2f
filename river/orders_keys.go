package nexwayriver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/riverqueue/river"
)

// orderKeysWorker reads an order whose keys are still to come until they
// are all there, then hands it to OnLateDelivery.
type orderKeysWorker[TTx any] struct {
	river.WorkerDefaults[orderKeysArgs]
	cfg Config[TTx]
}

func (w *orderKeysWorker[TTx]) NextRetry(job *river.Job[orderKeysArgs]) time.Time {
	return time.Now().Add(w.cfg.Retry.retryAfter(job.Attempt))
}

func (w *orderKeysWorker[TTx]) Work(ctx context.Context, job *river.Job[orderKeysArgs]) error {
	number := job.Args.PartnerOrderNumber
	if number == "" {
		return river.JobCancel(fmt.Errorf("%w: an order keys job without a partnerOrderNumber", ErrMalformedJob))
	}
	o, err := w.cfg.Nexway.Orders.Get(ctx, number)
	switch {
	case err == nil && o.Delivered():
		ev := &OrderEvent{JobID: job.ID, PartnerOrderNumber: number, Order: o, Complete: true}
		return w.cfg.DB.inTx(ctx, func(tx TTx) error {
			if h := w.cfg.Orders.OnLateDelivery; h != nil {
				if err := hook(func() error { return h(ctx, tx, ev) }, "OnLateDelivery", number); err != nil {
					return err
				}
			}
			return complete(ctx, tx, job)
		})
	case err == nil || errors.Is(err, nexway.ErrPending):
		return river.JobSnooze(w.cfg.Poll.pollAfter(time.Since(job.CreatedAt)))
	case errors.Is(err, nexway.ErrOrderRejected):
		// Nexway cancelled the order after it was recorded: the shop owes a
		// refund for what it had recorded.
		f := &OrderFailure{JobID: job.ID, PartnerOrderNumber: number, Err: err}
		return w.cfg.DB.inTx(ctx, func(tx TTx) error {
			if err := hook(func() error { return w.cfg.Orders.OnFailure(ctx, tx, f) }, "OnFailure", number); err != nil {
				return err
			}
			return complete(ctx, tx, job)
		})
	}
	return fmt.Errorf("nexwayriver: order %s, keys read again later: %w", number, err)
}
