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
	if job.Args.problem != nil {
		return river.JobCancel(job.Args.problem)
	}
	if number == "" {
		return river.JobCancel(fmt.Errorf("%w: an order keys job without a partnerOrderNumber", ErrMalformedJob))
	}
	return awaitKeys(ctx, w.cfg, job, number, nil,
		func(ctx context.Context, tx TTx, o *nexway.Order) error {
			h := w.cfg.Orders.OnLateDelivery
			if h == nil {
				return nil
			}
			ev := &OrderEvent{JobID: job.ID, PartnerOrderNumber: number, Order: o, Complete: true}
			return hook(func() error { return h(ctx, tx, ev) }, "OnLateDelivery", number)
		},
		func(ctx context.Context, tx TTx, err error) error {
			// Nexway cancelled the order after it was recorded: the shop
			// owes a refund for what it had recorded.
			f := &OrderFailure{JobID: job.ID, PartnerOrderNumber: number, Err: err}
			return hook(func() error { return w.cfg.Orders.OnFailure(ctx, tx, f) }, "OnFailure", number)
		})
}

// awaitKeys is the work of a job that waits for an order's missing keys:
// it reads the order (after wait, when set) and, once every key is there,
// runs delivered and completes the job in one transaction; if Nexway
// rejected the order meanwhile, rejected instead. Keys still missing, or
// the order held, snooze the job (Config.Poll, counted from its creation,
// so the wait survives restarts); a number the client refuses cancels the
// job with ErrMalformedJob; any other failure is retried.
func awaitKeys[TTx any, A river.JobArgs](ctx context.Context, c Config[TTx], job *river.Job[A], number string,
	wait func(context.Context) error,
	delivered func(context.Context, TTx, *nexway.Order) error,
	rejected func(context.Context, TTx, error) error,
) error {
	var o *nexway.Order
	var err error
	if wait != nil {
		err = wait(ctx)
	}
	if err == nil {
		o, err = c.Nexway.Orders.Get(ctx, number)
	}
	if err == nil && o.PartnerOrderNumber != number {
		err = fmt.Errorf("nexwayriver: asked for order %s, Nexway answered with order %q", number, o.PartnerOrderNumber)
	}
	switch {
	case err == nil && o.Delivered():
		return c.DB.inTx(ctx, func(tx TTx) error {
			if err := delivered(ctx, tx, o); err != nil {
				return err
			}
			return complete(ctx, tx, job)
		})
	case err == nil || errors.Is(err, nexway.ErrPending):
		return river.JobSnooze(c.Poll.pollAfter(time.Since(job.CreatedAt)))
	case errors.Is(err, nexway.ErrInvalidArgument):
		// The number was refused before any request: only a row written
		// by hand has one, and every retry would be refused alike.
		return river.JobCancel(fmt.Errorf("%w: %w", ErrMalformedJob, err))
	case errors.Is(err, nexway.ErrOrderRejected):
		return c.DB.inTx(ctx, func(tx TTx) error {
			if err := rejected(ctx, tx, err); err != nil {
				return err
			}
			return complete(ctx, tx, job)
		})
	}
	return fmt.Errorf("nexwayriver: order %s, keys read again later: %w", number, err)
}
