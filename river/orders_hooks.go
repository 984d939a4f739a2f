package nexwayriver

import (
	"context"

	"github.com/nexway-go/nexway"
)

// OrderHooks are the shop's handlers of an order job's outcomes. Each runs
// in the transaction that completes the job, and its effect commits once:
// a hook that fails or panics rolls the transaction back and the job runs
// again, reading the order back from Nexway, so a hook may run more than
// once but only one run commits. A hook writes to tx only; an external side
// effect (an e-mail) belongs in a job it enqueues in tx.
//
// What runs for each outcome of Orders.Create (README, "What each outcome
// means for the money"):
//
//   - Success (made by this job or found after an ambiguous attempt):
//     OnOrder; when keys are still to come, OnLateDelivery later, once they
//     have all arrived.
//   - ErrPending: nothing yet; the order is read again (Config.Poll) until
//     Nexway releases it (then as success) or rejects it (OnFailure).
//   - ErrOrderRejected: OnFailure (refund).
//   - Definite failures, nothing was made (ErrInvalidArgument,
//     ErrValidation, ErrOutOfStock, ErrNotFound): OnFailure (refund).
//   - ErrDuplicateOrder, an order with this number exists and differs from
//     the request: OnFailure (flag it). An existing order that matches the
//     request is taken as this job's (success).
//   - ErrAmbiguous, and failures that say nothing was done but may pass
//     later (ErrUnavailable, ErrRateLimited, ErrUnauthorized,
//     ErrInvalidSecret, ErrForbidden, ErrInvalidResponse, a network
//     error): no hook; the job is retried (Config.Retry) and reads the
//     order back first.
//   - A job whose arguments cannot be read (a malformed row): OnFailure,
//     with ErrMalformedJob.
type OrderHooks[TTx any] struct {
	// OnOrder records the order for the shopper (its keys, downloads and
	// subscriptions). Required.
	OnOrder func(ctx context.Context, tx TTx, ev *OrderEvent) error
	// OnLateDelivery records the keys that arrived after OnOrder ran; ev
	// holds the whole order. Optional: without it the late keys are still
	// awaited and the job completes once they are all there.
	OnLateDelivery func(ctx context.Context, tx TTx, ev *OrderEvent) error
	// OnFailure records that the payment has no order, or an order the
	// shop did not ask for (refund or flag). Required.
	OnFailure func(ctx context.Context, tx TTx, f *OrderFailure) error
}

// OrderEvent is an order handed to OnOrder or OnLateDelivery.
type OrderEvent struct {
	// JobID is the River job that settled the order.
	JobID int64
	// PartnerOrderNumber is the shop's order number.
	PartnerOrderNumber string
	// Order is Nexway's order.
	Order *nexway.Order
	// Complete reports whether every key is there (Order.Delivered); when
	// false in OnOrder, OnLateDelivery follows.
	Complete bool
}

// OrderFailure is a payment that has no order of its own at Nexway, handed
// to OnFailure.
type OrderFailure struct {
	// JobID is the River job that met the failure.
	JobID int64
	// PartnerOrderNumber is the shop's order number; empty only when a
	// malformed job row does not hold one.
	PartnerOrderNumber string
	// Err says why; it matches the nexway sentinel (ErrOutOfStock,
	// ErrOrderRejected, ErrDuplicateOrder...) or ErrMalformedJob.
	Err error
	// Existing is the order found at Nexway that differs from the request
	// (ErrDuplicateOrder), else nil.
	Existing *nexway.Order
}
