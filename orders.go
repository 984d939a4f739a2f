package nexway

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// OrdersService creates, reads and cancels orders.
type OrdersService service

// Create creates an order at Nexway and returns it with its Nexway order
// number, license keys and downloads. Call it once the payment is taken.
//
// Create is exactly-once. An attempt whose answer is lost is resent; when
// any attempt may have been processed without a definite answer (a lost or
// cut answer, a 5xx, the context ending after the request was written),
// Create reads the order back instead of guessing, as it does when a resend
// meets code 1010 (already created). The order found is returned when it
// matches r (see Order.Matches for what is compared); one that differs
// fails with ErrDuplicateOrder. When ctx has already ended, the read-back
// runs on a context detached from ctx's cancellation and limited to
// ReadBackTimeout. When no order can be found or read, the error matches
// ErrAmbiguous: the order may exist, so read it with Get before creating
// it again.
//
// A 1010 on a call none of whose attempts may have been processed fails
// with ErrDuplicateOrder: the order exists, and this call did not make it.
// Other failures say that this call made no order: ErrInvalidArgument
// (nothing sent), ErrValidation, ErrOutOfStock, ErrRateLimited,
// ErrInvalidSecret, ErrUnauthorized, ErrForbidden, ErrUnavailable (Nexway
// could not be reached), ErrInvalidResponse (an unusable token answer).
// ErrPending says the order exists and waits for payment or fraud
// validation (see AwaitDelivery); ErrOrderRejected that it exists and
// Nexway cancelled it. Line items whose key is still to come are not
// errors: see Order.Delivered.
func (s *OrdersService) Create(ctx context.Context, r *CreateOrderRequest, opts ...CallOption) (*Order, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var out Order
	k := &call{op: opCreateOrder, method: http.MethodPost, path: "connect/order/new", in: r.wire(), out: &out, opts: opts}
	k.state.email[0] = r.Customer.Email
	// One run from the request to the decision, so that an order settled
	// by reading it back is reported as the caller gets it.
	ctx, err := s.client.begin(ctx, k)
	if err != nil {
		return nil, err
	}
	o, err := s.create(ctx, k, r)
	if err != nil {
		return nil, s.client.end(k, nil, err)
	}
	return o, s.client.end(k, o, nil)
}

// create sends k and decides an ambiguous outcome by reading the order.
func (s *OrdersService) create(ctx context.Context, k *call, r *CreateOrderRequest) (*Order, error) {
	err := s.client.send(ctx, k)
	if err == nil {
		return k.out.(*Order), nil
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return nil, err
	}
	if !apiErr.ambiguous {
		return nil, err // a 1010 here: no attempt of this call can have made it
	}
	return s.readBack(ctx, k, r, apiErr)
}

// ReadBackTimeout bounds the read of an order that Create makes after an
// ambiguous attempt when the caller's context has already ended.
const ReadBackTimeout = 10 * time.Second

// readBack decides an ambiguous create by reading the order.
func (s *OrdersService) readBack(ctx context.Context, k *call, r *CreateOrderRequest, apiErr *APIError) (*Order, error) {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), ReadBackTimeout)
		defer cancel()
	}
	var existing Order
	gerr := s.client.sendPart(ctx, k, getCall(r.PartnerOrderNumber, &existing), PartReadBack)
	switch {
	case gerr == nil && existing.Matches(r):
		return &existing, nil
	case gerr == nil:
		apiErr.kind, apiErr.ambiguous = ErrDuplicateOrder, false
		apiErr.Meaning = "an order with this partnerOrderNumber exists with other products or quantities"
		return nil, apiErr
	case errors.Is(gerr, ErrPending) || errors.Is(gerr, ErrOrderRejected):
		return nil, gerr // it exists; its state is the answer
	}
	apiErr.readBack = k.state.scrub(strings.TrimPrefix(gerr.Error(), "nexway: "))
	return nil, apiErr
}

// Get reads an order by the storefront's partnerOrderNumber; renewals of a
// subscription are read by their own number (RenewalOrderNumber). It fails
// with ErrNotFound, ErrPending while the order waits for payment or fraud
// validation, or ErrOrderRejected.
func (s *OrdersService) Get(ctx context.Context, partnerOrderNumber string, opts ...CallOption) (*Order, error) {
	if err := checkPartnerOrderNumber("partnerOrderNumber", partnerOrderNumber); err != nil {
		return nil, err
	}
	var out Order
	k := getCall(partnerOrderNumber, &out)
	k.opts = opts
	if err := s.client.do(ctx, k); err != nil {
		return nil, err
	}
	return &out, nil
}

// getCall reads an order into out.
func getCall(partnerOrderNumber string, out *Order) *call {
	return &call{op: opGetOrder, method: http.MethodGet, path: "connect/order/" + pathEscape(partnerOrderNumber), out: out}
}

// AwaitDelivery reads the order every interval until it is delivered: not
// pending, and every line item has its key (Order.Delivered). It returns
// at once on any other failure, and when ctx ends it fails with ctx's error.
// Use it after ErrPending, or for an order whose keys are still to come.
func (s *OrdersService) AwaitDelivery(ctx context.Context, partnerOrderNumber string, interval time.Duration, opts ...CallOption) (*Order, error) {
	if interval <= 0 {
		return nil, invalid("interval", "must be positive")
	}
	t := time.NewTimer(0)
	defer t.Stop()
	var last error
	for {
		select {
		case <-ctx.Done():
			if last == nil {
				last = errors.New("keys still to come")
			}
			return nil, fmt.Errorf("nexway: order not delivered (%w): %w", last, ctx.Err())
		case <-t.C:
		}
		o, err := s.Get(ctx, partnerOrderNumber, opts...)
		switch {
		case err == nil && o.Delivered():
			return o, nil
		case err != nil && !errors.Is(err, ErrPending):
			if ctx.Err() != nil {
				continue // report the context's end with the last state
			}
			return nil, err
		}
		last = err
		t.Reset(interval)
	}
}

// CancelReason is why an order is cancelled, as numbered by the legacy API
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/cancel-order).
// Nexway's list is known only in part (the reference expects more codes,
// such as 1 and 7 to 15), so Cancel sends any positive code and lets Nexway
// refuse one it does not take (ErrValidation, code 101).
type CancelReason int

// Cancel reasons known from Nexway's legacy API.
const (
	ReasonOrderCancelled      CancelReason = 2  // generic cancellation
	ReasonCustomerUnsatisfied CancelReason = 3  // the customer is not satisfied
	ReasonDuplicateOrder      CancelReason = 4  // the order was placed twice
	ReasonWrongProduct        CancelReason = 5  // Nexway's name is PRODUCT_ORDER; probably a wrong product ordered
	ReasonIncompatible        CancelReason = 6  // the product does not work on the customer's system
	ReasonFraudChargeback     CancelReason = 16 // fraud or chargeback
)

// String names a known reason, and gives another as "CancelReason(17)".
func (r CancelReason) String() string {
	switch r {
	case ReasonOrderCancelled:
		return "order cancelled"
	case ReasonCustomerUnsatisfied:
		return "customer unsatisfied"
	case ReasonDuplicateOrder:
		return "duplicate order"
	case ReasonWrongProduct:
		return "wrong product"
	case ReasonIncompatible:
		return "incompatible product"
	case ReasonFraudChargeback:
		return "fraud or chargeback"
	}
	return "CancelReason(" + strconv.Itoa(int(r)) + ")"
}

// valid checks the range Nexway's int32 reasonCode can hold, not
// membership in the known list: the list is incomplete.
func (r CancelReason) valid() bool { return r > 0 && r <= math.MaxInt32 }

// Cancellation is the answer to OrdersService.Cancel, documented only for
// the legacy API; its fields may be zero when Nexway sends none.
type Cancellation struct {
	Envelope
	PartnerOrderNumber string      `json:"partnerOrderNumber" essential:"text"`
	OrderNumber        OrderNumber `json:"orderNumber" essential:"id"`
}

type cancelRequest struct {
	PartnerOrderNumber string       `json:"partnerOrderNumber"`
	ReasonCode         CancelReason `json:"reasonCode"`
	Comment            string       `json:"comment"`
}

// maxComment bounds a cancel comment; Nexway documents no limit.
const maxComment = 1000

// Cancel cancels an order: its licenses stop working at once, no
// subscription of the order renews, and the storefront owes the shopper a
// refund. To stop a subscription's renewals but keep its license until
// expiry, use SubscriptionsService.Cancel instead.
//
// A cancel whose answer was lost is retried; if Nexway then answers that
// the order is already cancelled (1011), the cancel is reported as done,
// with ResponseCode 1011 on the result. Otherwise 1011 fails with
// ErrAlreadyCancelled. Other failures: ErrInvalidArgument for a reason
// that is not a positive 32-bit code, ErrValidation for one Nexway does
// not take, ErrNotFound, ErrCancelNotAllowed (cancel period expired, or
// cancel not authorized).
func (s *OrdersService) Cancel(ctx context.Context, partnerOrderNumber string, reason CancelReason, comment string, opts ...CallOption) (*Cancellation, error) {
	if err := checkPartnerOrderNumber("partnerOrderNumber", partnerOrderNumber); err != nil {
		return nil, err
	}
	if !reason.valid() {
		return nil, invalid("reasonCode", "must be a positive 32-bit code")
	}
	if len(comment) > maxComment || !utf8.ValidString(comment) {
		return nil, invalid("comment", "must be valid UTF-8 of at most "+strconv.Itoa(maxComment)+" bytes")
	}
	var out Cancellation
	k := &call{op: opCancelOrder, method: http.MethodPut, path: "connect/order/cancel", in: cancelRequest{partnerOrderNumber, reason, comment}, out: &out, opts: opts}
	if err := s.client.doSettled(ctx, k, 1011); err != nil {
		return nil, err
	}
	return &out, nil
}

// retriedInto reports whether err is the code a resend of an already
// applied request gets, after an attempt that may have been processed,
// in an answer read whole: it becomes the call's result.
func retriedInto(k *call, err error, code int) bool {
	var apiErr *APIError
	return k.state.maybeProcessed && errors.As(err, &apiErr) && apiErr.ResponseCode == code && apiErr.HTTPStatus == http.StatusOK && !apiErr.partial
}
