package nexwaytest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Subscription states as reported by the status call (agreed with the
// client; Nexway does not document its vocabulary).
const (
	subActive    = "active"
	subCancelled = "cancelled"
	subExpired   = "expired"
)

// maxRenewalsPerPass bounds the generations made for one subscription per
// request, so a clock moved centuries ahead cannot stall the fake; the rest
// follow on later requests.
const maxRenewalsPerPass = 1000

// subscription is one subscribed unit (one per line item of a subscription
// product). Renewal is automatic at expiry unless cancelled, as Nexway
// does.
type subscription struct {
	id         int
	pon        string // the original order
	product    *Product
	per        period
	unitPrice  float64
	status     string    // subActive, subCancelled or subExpired
	expires    time.Time // end of the current period
	generation int
	current    string // partner order number of the latest generation
}

// statusAt is the state at now: a cancelled subscription lives on until its
// expiry, then reads as expired.
func (sub *subscription) statusAt(now time.Time) string {
	if sub.status == subCancelled && !now.Before(sub.expires) {
		return subExpired
	}
	return sub.status
}

// kill ends the subscription at once (its order was cancelled).
func (sub *subscription) kill(now time.Time) {
	sub.status = subExpired
	sub.expires = now
}

// deliverLocked starts the subscriptions of a newly delivered order.
func (s *Server) deliverLocked(o *order, start time.Time) {
	if o.renewal {
		return
	}
	for _, ol := range o.lines {
		per, ok := parsePeriod(ol.product.SubscriptionPeriod)
		if ol.product.SubscriptionPeriod == "" || !ok {
			continue
		}
		for _, it := range ol.items {
			if it.subID != 0 {
				continue
			}
			sub := &subscription{
				id:        s.nextSub,
				pon:       o.pon,
				product:   ol.product,
				per:       per,
				unitPrice: ol.unitPrice,
				status:    subActive,
				expires:   clampDate(per.addTo(start)),
				current:   o.pon,
			}
			s.nextSub++
			it.subID = sub.id
			s.subs = append(s.subs, sub)
			s.subByID[sub.id] = sub
			if s.nextDue.IsZero() || sub.expires.Before(s.nextDue) {
				s.nextDue = sub.expires
			}
		}
	}
}

// processDue renews every active subscription whose expiry the clock has
// reached, one generation per period passed, then fetches the renewal keys
// outside the lock. It runs on every request, so it looks at the
// subscriptions only once the clock has reached the earliest expiry.
func (s *Server) processDue() {
	now := s.Now()
	var jobs []keyJob
	s.mu.Lock()
	if s.nextDue.IsZero() || now.Before(s.nextDue) {
		s.mu.Unlock()
		return
	}
	s.nextDue = time.Time{}
	for _, sub := range s.subs {
		for n := 0; n < maxRenewalsPerPass && sub.status == subActive && !now.Before(sub.expires); n++ {
			if sub.expires.Year() >= 9999 {
				break
			}
			jobs = append(jobs, s.renewLocked(sub, sub.expires)...)
		}
		if sub.status == subActive && sub.expires.Year() < 9999 && (s.nextDue.IsZero() || sub.expires.Before(s.nextDue)) {
			s.nextDue = sub.expires
		}
	}
	s.mu.Unlock()
	s.runJobs(jobs)
}

// renewLocked makes the next generation of sub at time at: order
// <original>-<generation> with a fresh key for the subscribed product, and
// an expiry one period later. If that partner order number is already taken
// by another order, the generation still counts but no order is made.
func (s *Server) renewLocked(sub *subscription, at time.Time) []keyJob {
	sub.generation++
	sub.expires = clampDate(sub.per.addTo(sub.expires))
	pon := sub.pon + "-" + strconv.Itoa(sub.generation)
	origin := s.orders[sub.pon]
	if origin == nil || s.orders[pon] != nil || s.reserved[pon] {
		return nil
	}
	o := &order{
		pon:         pon,
		number:      s.nextOrder,
		created:     at,
		currency:    origin.currency,
		cust:        origin.cust,
		renewal:     true,
		downloadEnd: clampDate(dateOf(at.Add(s.cfg.downloadWindow))),
	}
	s.nextOrder++
	it := s.newItemLocked(sub.product)
	it.subID = sub.id
	o.lines = []*orderLine{{product: sub.product, unitPrice: sub.unitPrice, items: []*lineItem{it}}}
	s.storeOrderLocked(o)
	sub.current = pon
	return s.claimLocked(o)
}

// subMessages are the subscription codes agreed with the client (Nexway
// documents none).
var subMessages = map[int]string{
	100:  "partnerOrderNumber missing",
	110:  "subscriptionId missing",
	111:  "subscriptionId invalid",
	1010: "subscription not found",
	1011: "subscription already cancelled or expired",
}

// findSubscriptionLocked decodes a subscription request and finds the
// subscription, or returns nil and the error answer. The partner order
// number may be the original or one of its renewals (the tolerant reading:
// Nexway's clients send the original).
func (s *Server) findSubscriptionLocked(body []byte) (*subscription, subscriptionResponse) {
	var req subscriptionRequest
	_ = json.Unmarshal(body, &req) // a bad body leaves every field missing
	answer := func(code int) (*subscription, subscriptionResponse) {
		return nil, subscriptionResponse{
			PartnerOrderNumber: req.PartnerOrderNumber.V,
			SubscriptionID:     int(req.SubscriptionID.V),
			envelope:           envelope{ResponseCode: code, ResponseMessage: subMessages[code]},
		}
	}
	switch {
	case !req.PartnerOrderNumber.OK:
		return answer(100)
	case !req.SubscriptionID.Set:
		return answer(110)
	case !req.SubscriptionID.OK || req.SubscriptionID.V <= 0:
		return answer(111)
	}
	sub := s.subByID[int(req.SubscriptionID.V)]
	if sub == nil || !sub.ownedBy(req.PartnerOrderNumber.V) {
		return answer(1010)
	}
	return sub, subscriptionResponse{}
}

// ownedBy reports whether pon is the subscription's order or one of its
// renewals.
func (sub *subscription) ownedBy(pon string) bool {
	if pon == sub.pon {
		return true
	}
	rest, found := strings.CutPrefix(pon, sub.pon+"-")
	if !found {
		return false
	}
	g, err := strconv.Atoi(rest)
	return err == nil && g >= 1 && g <= sub.generation && strconv.Itoa(g) == rest
}

// renderSubscription is the status answer for sub.
func renderSubscription(sub *subscription, now time.Time) subscriptionResponse {
	return subscriptionResponse{
		PartnerOrderNumber:        sub.pon,
		SubscriptionID:            sub.id,
		ProductRef:                sub.product.Ref,
		Status:                    sub.statusAt(now),
		ExpirationDate:            formatDate(sub.expires),
		Generation:                sub.generation,
		CurrentPartnerOrderNumber: sub.current,
		envelope:                  envelope{ResponseCode: 0, ResponseMessage: "OK"},
	}
}

// handleSubscriptionStatus serves POST /connect/subscription
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-subscription/get-subscription-status).
func (s *Server) handleSubscriptionStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.subscriptionStatus(readBody(r)))
}

func (s *Server) subscriptionStatus(body []byte) subscriptionResponse {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, failed := s.findSubscriptionLocked(body)
	if sub == nil {
		return failed
	}
	return renderSubscription(sub, now)
}

// handleSubscriptionCancel serves PUT /connect/subscription and its alias
// PUT /connect/subscription/cancel
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-subscription/cancel-subscription):
// no further renewals; the licence
// stays valid until the expiration date.
func (s *Server) handleSubscriptionCancel(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.cancelSubscription(readBody(r)))
}

func (s *Server) cancelSubscription(body []byte) subscriptionResponse {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, failed := s.findSubscriptionLocked(body)
	switch {
	case sub == nil:
		return failed
	case sub.statusAt(now) != subActive:
		return ended(sub, now)
	}
	sub.status = subCancelled
	return renderSubscription(sub, now)
}

// ended is the 1011 answer for a subscription already cancelled or expired.
func ended(sub *subscription, now time.Time) subscriptionResponse {
	resp := renderSubscription(sub, now)
	resp.ResponseCode, resp.ResponseMessage = 1011, subMessages[1011]
	return resp
}

// handleSubscriptionRenew serves PUT /connect/subscription/renew
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-subscription/renew-subscription;
// what Nexway's call does is undocumented): the next generation is made at
// once and the expiry moves one period further. The renewal's keys are
// fetched outside the store lock.
func (s *Server) handleSubscriptionRenew(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	s.mu.Lock()
	sub, resp := s.findSubscriptionLocked(readBody(r))
	if sub != nil && sub.statusAt(now) != subActive {
		sub, resp = nil, ended(sub, now)
	}
	if sub == nil {
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, resp)
		return
	}
	jobs := s.renewLocked(sub, now)
	s.mu.Unlock()
	s.runJobs(jobs)
	s.mu.Lock()
	resp = renderSubscription(sub, now)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}
