package nexwayriver

import (
	"context"
	"fmt"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/riverqueue/river"
)

const kindRenewalKeys = "nexway_renewal_keys"

// renewalKeysArgs is the job that waits for a renewal order's late keys.
type renewalKeysArgs struct {
	PartnerOrderNumber string `json:"partnerOrderNumber" river:"unique"` // the original order's
	SubscriptionID     int64  `json:"subscriptionId" river:"unique"`
	Generation         int    `json:"generation" river:"unique"`
	malformed
}

func (a *renewalKeysArgs) UnmarshalJSON(b []byte) error {
	type plain renewalKeysArgs // without this method
	*a = renewalKeysArgs{}
	a.problem = decodeArgs(b, (*plain)(a))
	return nil
}

func (renewalKeysArgs) Kind() string { return kindRenewalKeys }

func (renewalKeysArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       QueueSweep,
		MaxAttempts: orderMaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	}
}

// renewalKeysWorker reads a renewal order whose keys are still to come,
// at the sweep's pace, until they are all there, then hands it to
// OnLateRenewal.
type renewalKeysWorker[TTx any] struct {
	river.WorkerDefaults[renewalKeysArgs]
	cfg     Config[TTx]
	limiter nexway.RateLimiter // the sweep's share of the account's limit
}

func (w *renewalKeysWorker[TTx]) NextRetry(job *river.Job[renewalKeysArgs]) time.Time {
	return time.Now().Add(w.cfg.Retry.retryAfter(job.Attempt))
}

func (w *renewalKeysWorker[TTx]) Work(ctx context.Context, job *river.Job[renewalKeysArgs]) error {
	a := job.Args
	if a.problem != nil {
		return river.JobCancel(a.problem)
	}
	if a.PartnerOrderNumber == "" || a.SubscriptionID < 1 || a.Generation < 1 {
		return river.JobCancel(fmt.Errorf("%w: a renewal keys job without an order number, a subscription or a generation", ErrMalformedJob))
	}
	number := nexway.RenewalOrderNumber(a.PartnerOrderNumber, a.Generation)
	event := func(o *nexway.Order, err error) *RenewalEvent {
		return &RenewalEvent{
			JobID: job.ID, PartnerOrderNumber: a.PartnerOrderNumber, SubscriptionID: nexway.SubscriptionID(a.SubscriptionID),
			Generation: a.Generation, Order: o, Complete: o != nil, Err: err,
		}
	}
	late := w.cfg.Subscriptions.OnLateRenewal
	run := func(ctx context.Context, tx TTx, ev *RenewalEvent) error {
		if late == nil {
			return nil
		}
		return hook(func() error { return late(ctx, tx, ev) }, "OnLateRenewal", number)
	}
	return awaitKeys(ctx, w.cfg, job, number, w.limiter.Wait,
		func(ctx context.Context, tx TTx, o *nexway.Order) error { return run(ctx, tx, event(o, nil)) },
		func(ctx context.Context, tx TTx, err error) error { return run(ctx, tx, event(nil, err)) })
}
