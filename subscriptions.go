package nexway

import (
	"context"
	"net/http"
	"strconv"
	"strings"
)

// SubscriptionsService follows subscriptions: their status, renewals and
// cancellation. Nexway renews a subscription automatically at expiry; each
// renewal is a new order numbered <partnerOrderNumber>-<generation>, with
// fresh keys, readable with OrdersService.Get. Nexway recommends reading the
// status about every 4 hours to catch renewals.
//
// Nexway does not document the fields of these answers; the names used here
// are this package's assumption (the fake server answers with them), and
// Raw keeps whatever Nexway really sent.
type SubscriptionsService service

// SubscriptionStatus is the state of a subscription. Nexway documents no
// list; a status other than the constants is kept as sent (lower-cased),
// never an error.
type SubscriptionStatus string

// Subscription states.
const (
	// SubscriptionActive: it renews at expiry.
	SubscriptionActive SubscriptionStatus = "active"
	// SubscriptionCancelled: it will not renew; the license works until
	// ExpirationDate.
	SubscriptionCancelled SubscriptionStatus = "cancelled"
	// SubscriptionExpired: the license no longer works.
	SubscriptionExpired SubscriptionStatus = "expired"
)

// String returns the status as sent by Nexway.
func (s SubscriptionStatus) String() string { return string(s) }

// Subscription is a subscription as Nexway reports it. Nexway documents
// none of these fields: the names are this package's assumption, and every
// field is read leniently, under the alternative names listed below and
// from any type that can be understood; what is missing or cannot be read
// is left zero, and the answer is still returned, with Raw holding what
// Nexway sent. Status is lower-cased, and "canceled" is read as
// SubscriptionCancelled.
type Subscription struct {
	Envelope
	// PartnerOrderNumber is the original order's number.
	PartnerOrderNumber string `json:"partnerOrderNumber"`
	// ID is also read under "id".
	ID         SubscriptionID `json:"subscriptionId" alt:"id"`
	ProductRef ProductRef     `json:"productRef"`
	// Status is also read under "subscriptionStatus" and "state".
	Status SubscriptionStatus `json:"status" alt:"subscriptionStatus,state"`
	// ExpirationDate is also read under "expiryDate", "expireDate",
	// "endDate" and "dateEnd", in any form Date reads.
	ExpirationDate Date `json:"expirationDate" alt:"expiryDate,expireDate,endDate,dateEnd"`
	// Generation counts renewals: 0 for the original order. Also read
	// under "renewalCount".
	Generation int `json:"generation" alt:"renewalCount"`
	// CurrentPartnerOrderNumber is the number of the latest order of the
	// subscription: the original, or its latest renewal. Also read under
	// "lastPartnerOrderNumber".
	CurrentPartnerOrderNumber string `json:"currentPartnerOrderNumber" alt:"lastPartnerOrderNumber"`
}

// normalize spells the status as the constants do.
func (s *Subscription) normalize() {
	st := SubscriptionStatus(strings.ToLower(strings.TrimSpace(string(s.Status))))
	if st == "canceled" {
		st = SubscriptionCancelled
	}
	s.Status = st
}

// RenewalOrderNumber returns the partnerOrderNumber Nexway gives the
// generation-th renewal of an order ("PARTNER689-1"); generation 0 is the
// original order.
func RenewalOrderNumber(original string, generation int) string {
	if generation <= 0 {
		return original
	}
	return original + "-" + strconv.Itoa(generation)
}

type subscriptionRequest struct {
	PartnerOrderNumber string         `json:"partnerOrderNumber"`
	SubscriptionID     SubscriptionID `json:"subscriptionId"`
}

// send sends a subscription call; done, when not 0, is the code that
// settles a resend as success (see Client.doSettled).
func (s *SubscriptionsService) send(ctx context.Context, op *operation, method, path, partnerOrderNumber string, id SubscriptionID, opts []CallOption, done int) (*Subscription, error) {
	if err := checkPartnerOrderNumber("partnerOrderNumber", partnerOrderNumber); err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, invalid("subscriptionId", "must be positive")
	}
	var out Subscription
	k := &call{op: op, method: method, path: path, in: subscriptionRequest{partnerOrderNumber, id}, out: &out, opts: opts}
	if err := s.client.doSettled(ctx, k, done); err != nil {
		return nil, err
	}
	return &out, nil
}

// Status reads a subscription, given the original order's
// partnerOrderNumber and the id from its line item. It fails with
// ErrNotFound when Nexway does not know the pair.
func (s *SubscriptionsService) Status(ctx context.Context, partnerOrderNumber string, id SubscriptionID, opts ...CallOption) (*Subscription, error) {
	return s.send(ctx, opSubscriptionStatus, http.MethodPost, "connect/subscription", partnerOrderNumber, id, opts, 0)
}

// Cancel stops a subscription's renewals; its license keeps working until
// expiry and no refund is due. To end the license at once, cancel the order
// instead (OrdersService.Cancel).
//
// A cancel whose answer was lost is retried; a 1011 (already cancelled)
// after such an attempt is reported as done, with ResponseCode 1011 on the
// result. Otherwise 1011 fails with ErrAlreadyCancelled.
func (s *SubscriptionsService) Cancel(ctx context.Context, partnerOrderNumber string, id SubscriptionID, opts ...CallOption) (*Subscription, error) {
	return s.send(ctx, opCancelSubscription, http.MethodPut, s.client.cancelPath, partnerOrderNumber, id, opts, 1011)
}

// Renew asks Nexway to renew a subscription now. Renewal is normally
// automatic; what this call does beyond that is undocumented, so treat it
// as experimental. It is never resent after a failure whose outcome is
// unknown, since a repeat could renew twice: such a failure matches
// ErrAmbiguous, and Status tells what happened.
func (s *SubscriptionsService) Renew(ctx context.Context, partnerOrderNumber string, id SubscriptionID, opts ...CallOption) (*Subscription, error) {
	return s.send(ctx, opRenewSubscription, http.MethodPut, "connect/subscription/renew", partnerOrderNumber, id, opts, 0)
}
