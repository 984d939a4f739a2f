package nexwayriver

import (
	"context"
	"fmt"

	"github.com/nexway-go/nexway"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// EnqueueOrderTx queues the creation of the order r in tx, the transaction
// that records the payment: the job exists if and only if tx commits. r is
// validated first (nexway's CreateOrderRequest.Validate): a request Nexway
// would refuse fails with an error matching nexway.ErrInvalidArgument that
// names the field, and nothing is queued. client may be an insert-only
// River client (one without workers) on the same database.
//
// The job is unique per partnerOrderNumber while a job for it is queued,
// running or completed (River keeps completed jobs for
// river.Config.CompletedJobRetentionPeriod): a second enqueue of the same
// number queues nothing and reports UniqueSkippedAsDuplicate in the
// result. r is copied into the job; later changes to r have no effect.
func EnqueueOrderTx[TTx any](ctx context.Context, client *river.Client[TTx], tx TTx, r *nexway.CreateOrderRequest) (*rivertype.JobInsertResult, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, fmt.Errorf("%w: nil River client", ErrConfig)
	}
	res, err := client.InsertTx(ctx, tx, orderArgs{PartnerOrderNumber: r.PartnerOrderNumber, Request: r}, nil)
	if err != nil {
		return nil, fmt.Errorf("nexwayriver: enqueue order %s: %w", r.PartnerOrderNumber, err)
	}
	return res, nil
}
