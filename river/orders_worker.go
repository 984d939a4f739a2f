package nexwayriver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/tidwall/gjson"
)

// orderWorker creates the order of a paid checkout and settles its outcome.
type orderWorker[TTx any] struct {
	river.WorkerDefaults[orderArgs]
	cfg Config[TTx]
}

func (w *orderWorker[TTx]) NextRetry(job *river.Job[orderArgs]) time.Time {
	return time.Now().Add(w.cfg.Retry.retryAfter(job.Attempt))
}

func (w *orderWorker[TTx]) Work(ctx context.Context, job *river.Job[orderArgs]) error {
	a := job.Args
	if a.problem != nil {
		return failOrder(ctx, w.cfg, job, &OrderFailure{JobID: job.ID, PartnerOrderNumber: a.PartnerOrderNumber, Err: a.problem})
	}
	// An earlier run (retried, snoozed, or killed and rescued) may have made
	// the order: read it first rather than meet a 1010 that says nothing of
	// who made it.
	mayExist := job.Attempt > 1 || gjson.GetBytes(job.Metadata, "snoozes").Int() > 0
	var o *nexway.Order
	err := nexway.ErrNotFound
	found := false // o was read, not made by Create (which checks what it adopts)
	if mayExist {
		o, err = w.cfg.Nexway.Orders.Get(ctx, a.PartnerOrderNumber)
		found = true
	}
	if errors.Is(err, nexway.ErrNotFound) {
		o, err = w.cfg.Nexway.Orders.Create(ctx, a.Request)
		found = false
		if errors.Is(err, nexway.ErrDuplicateOrder) && mayExist {
			// An earlier run's request may have landed after the read.
			o, err = w.cfg.Nexway.Orders.Get(ctx, a.PartnerOrderNumber)
			found = true
		}
	}
	switch {
	case err == nil && found && !o.Matches(a.Request):
		return failOrder(ctx, w.cfg, job, &OrderFailure{
			JobID: job.ID, PartnerOrderNumber: a.PartnerOrderNumber, Existing: o,
			Err: fmt.Errorf("%w: the order found has other products or quantities", nexway.ErrDuplicateOrder),
		})
	case err == nil:
		return w.created(ctx, job, o)
	case errors.Is(err, nexway.ErrPending):
		return river.JobSnooze(w.cfg.Poll.pollAfter(time.Since(job.CreatedAt)))
	case definite(err):
		return failOrder(ctx, w.cfg, job, &OrderFailure{JobID: job.ID, PartnerOrderNumber: a.PartnerOrderNumber, Err: err})
	}
	return fmt.Errorf("nexwayriver: order %s, retried: %w", a.PartnerOrderNumber, err)
}

// created hands the order to OnOrder and completes the job; an order with
// keys still to come queues the job that waits for them, in the same
// transaction.
func (w *orderWorker[TTx]) created(ctx context.Context, job *river.Job[orderArgs], o *nexway.Order) error {
	ev := &OrderEvent{JobID: job.ID, PartnerOrderNumber: job.Args.PartnerOrderNumber, Order: o, Complete: o.Delivered()}
	return w.cfg.DB.inTx(ctx, func(tx TTx) error {
		if err := hook(func() error { return w.cfg.Orders.OnOrder(ctx, tx, ev) }, "OnOrder", ev.PartnerOrderNumber); err != nil {
			return err
		}
		if !ev.Complete {
			client := river.ClientFromContext[TTx](ctx)
			if _, err := client.InsertTx(ctx, tx, orderKeysArgs{PartnerOrderNumber: ev.PartnerOrderNumber}, nil); err != nil {
				return fmt.Errorf("nexwayriver: order %s: queue the wait for its keys: %w", ev.PartnerOrderNumber, err)
			}
		}
		return complete(ctx, tx, job)
	})
}

// failOrder hands a failure to OnFailure and completes the job.
func failOrder[TTx any](ctx context.Context, cfg Config[TTx], job *river.Job[orderArgs], f *OrderFailure) error {
	return cfg.DB.inTx(ctx, func(tx TTx) error {
		if err := hook(func() error { return cfg.Orders.OnFailure(ctx, tx, f) }, "OnFailure", f.PartnerOrderNumber); err != nil {
			return err
		}
		return complete(ctx, tx, job)
	})
}

// complete marks the job completed in tx.
func complete[TTx any, TArgs river.JobArgs](ctx context.Context, tx TTx, job *river.Job[TArgs]) error {
	if _, err := river.JobCompleteTx[riverdriver.Driver[TTx]](ctx, tx, job); err != nil {
		return fmt.Errorf("nexwayriver: complete job %d: %w", job.ID, err)
	}
	return nil
}

// hook runs a shop's hook and names it in its error, a panic included.
func hook(fn func() error, name, number string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: order %s: %s: %v", errPanic, number, name, p)
		}
	}()
	if err := fn(); err != nil {
		return fmt.Errorf("nexwayriver: order %s: %s: %w", number, name, err)
	}
	return nil
}

// definite reports whether err says that no order of this request will
// exist, whatever is tried again: the failures OnFailure receives.
func definite(err error) bool {
	for _, s := range []error{nexway.ErrInvalidArgument, nexway.ErrValidation, nexway.ErrOutOfStock, nexway.ErrNotFound, nexway.ErrOrderRejected, nexway.ErrDuplicateOrder} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
