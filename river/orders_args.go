package nexwayriver

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/riverqueue/river"
)

// Job kinds, as River records them.
const (
	kindOrder     = "nexway_order"
	kindOrderKeys = "nexway_order_keys"
)

// ErrMalformedJob is matched by the failure of a job whose stored
// arguments cannot be read back, or not as a valid request: a row written
// by hand or by another version. An order job hands it to OnFailure, so
// that the payment still ends in one failure record; the other jobs are
// cancelled with it, kept on the job for an operator to see.
var ErrMalformedJob = errors.New("nexwayriver: malformed job arguments")

// orderMaxAttempts is high enough that retries (capped at Config.Retry.Max)
// go on for weeks rather than discard a paid order; an operator sees a job
// that keeps failing in River's UI.
const orderMaxAttempts = 10000

// orderArgs is the job that creates an order. PartnerOrderNumber is kept
// apart from the request so that River can make the job unique by it.
type orderArgs struct {
	PartnerOrderNumber string                     `json:"partnerOrderNumber" river:"unique"`
	Request            *nexway.CreateOrderRequest `json:"-"`
	// problem is set when the stored arguments cannot be used.
	problem error
}

func (orderArgs) Kind() string { return kindOrder }

func (orderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       QueueCheckout,
		MaxAttempts: orderMaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	}
}

// savedRequest is CreateOrderRequest without its methods, so that
// encoding/json writes its fields rather than Nexway's wire form, plus the
// order date that the wire form hides from encoding/json.
type savedRequest struct {
	plainRequest
	OrderDate time.Time `json:"orderDate"`
}

type plainRequest nexway.CreateOrderRequest

type orderArgsJSON struct {
	PartnerOrderNumber string       `json:"partnerOrderNumber"`
	Request            savedRequest `json:"request"`
}

func (a orderArgs) MarshalJSON() ([]byte, error) {
	if a.Request == nil {
		return nil, errors.New("nexwayriver: order job without a request")
	}
	return json.Marshal(orderArgsJSON{a.PartnerOrderNumber, savedRequest{plainRequest(*a.Request), a.Request.OrderDate}})
}

// UnmarshalJSON never fails: arguments that cannot be read, or that do not
// form a valid request, are kept as problem for the worker to report, so
// that a malformed row ends in a failure record rather than in retries.
func (a *orderArgs) UnmarshalJSON(b []byte) error {
	*a = orderArgs{}
	var w orderArgsJSON
	if err := json.Unmarshal(b, &w); err != nil {
		var num struct {
			PartnerOrderNumber string `json:"partnerOrderNumber"`
		}
		_ = json.Unmarshal(b, &num) // the number alone, if it can be read
		a.PartnerOrderNumber = num.PartnerOrderNumber
		a.problem = fmt.Errorf("%w: %v", ErrMalformedJob, err)
		return nil
	}
	r := nexway.CreateOrderRequest(w.Request.plainRequest)
	r.OrderDate = w.Request.OrderDate
	a.PartnerOrderNumber, a.Request = w.PartnerOrderNumber, &r
	switch err := r.Validate(); {
	case err != nil:
		a.problem = fmt.Errorf("%w: %w", ErrMalformedJob, err)
	case r.PartnerOrderNumber != w.PartnerOrderNumber:
		a.problem = fmt.Errorf("%w: the request's partnerOrderNumber differs from the job's", ErrMalformedJob)
	}
	return nil
}

// orderKeysArgs is the job that waits for an order's late keys.
type orderKeysArgs struct {
	PartnerOrderNumber string `json:"partnerOrderNumber" river:"unique"`
	malformed
}

func (a *orderKeysArgs) UnmarshalJSON(b []byte) error {
	type plain orderKeysArgs // without this method
	*a = orderKeysArgs{}
	a.problem = decodeArgs(b, (*plain)(a))
	return nil
}

func (orderKeysArgs) Kind() string { return kindOrderKeys }

func (orderKeysArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       QueueCheckout,
		MaxAttempts: orderMaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	}
}
