package nexwayriver

import (
	"context"
	"time"

	"github.com/nexway-go/nexway"
)

// SubscriptionFollowUp follows the subscriptions of the shop's orders:
// Nexway renews them itself at expiry, each renewal an order
// <partnerOrderNumber>-<generation> with fresh keys, and has no webhook, so
// the shop reads each subscription's status (Nexway recommends every four
// hours) to see the renewals.
//
// The subscriptions of the orders the order jobs deliver are recorded in
// the table nexway_subscriptions, in the transaction of OnOrder (or
// OnLateDelivery). A periodic job, run by River's elected leader only,
// plans each subscription's reads in QueueSweep: every Cadence, at an offset
// drawn from the subscription's identity so that the reads are spread
// evenly over the cadence, and every NearCadence from NearExpiry before the
// expiration date until the renewal is seen. A read that finds a new
// generation fetches the renewal order and runs OnRenewal once per
// (subscription, generation), in the transaction that completes the job.
//
// The reads are paced by their own limiter, a Share of AccountRate, on top
// of the client's: checkouts keep the rest of the account's limit, and the
// sweep's jobs have their own queue and workers. With several worker
// machines, give Limiter a limiter they share (redislimit, under a key of
// its own), or each machine's sweep takes the whole share.
type SubscriptionFollowUp[TTx any] struct {
	// OnRenewal records a renewal for the shopper (its new keys). It runs
	// in the transaction that completes the read job and commits once per
	// (subscription, generation); like the order hooks it may run more
	// than once before one run commits, so it writes to tx only. A renewal
	// order Nexway rejected comes with ev.Err set and ev.Order nil. When
	// nil, subscriptions are neither recorded nor read.
	OnRenewal func(ctx context.Context, tx TTx, ev *RenewalEvent) error
	// OnLateRenewal records the keys of a renewal order that arrived after
	// OnRenewal ran with ev.Complete false (a publisher late with its
	// keys): the order is read again at Config.Poll, at the sweep's pace,
	// until every key is there, and ev holds the whole order. If Nexway
	// rejects the renewal order meanwhile, ev.Err matches
	// nexway.ErrOrderRejected and ev.Order is nil: the shop owes the
	// renewal's refund. It runs in the transaction that completes the job,
	// as OnRenewal does. Optional: without it the keys are still awaited
	// and the job completes once they are all there.
	OnLateRenewal func(ctx context.Context, tx TTx, ev *RenewalEvent) error

	// Cadence spaces the reads of a subscription (default 4 h, Nexway's
	// recommendation).
	Cadence time.Duration
	// NearExpiry is how long before its expiration date a subscription is
	// read every NearCadence instead of every Cadence, until its renewal
	// is seen (default 24 h). Nexway gives the date only, not the hour. A
	// renewal is seen at most max(Cadence-NearExpiry, NearCadence) after
	// its date (plus the sweep's backlog): keep NearExpiry at least
	// Cadence-NearCadence.
	NearExpiry time.Duration
	// NearCadence spaces the reads near expiry (default Cadence/2).
	NearCadence time.Duration
	// Tick is how often the leader plans the reads that fall due (default
	// 1 min); it must not exceed NearCadence.
	Tick time.Duration
	// Batch is how many subscriptions one read job reads (default 50).
	Batch int

	// AccountRate is the account's request limit, per second (default 10,
	// the limit to assume for Connect).
	AccountRate float64
	// Share is the part of AccountRate the reads may use, in (0, 1]
	// (default 0.7: 100,000 subscriptions every 4 h need 6.9 requests a
	// second, and checkouts keep 3).
	Share float64
	// Limiter, when set, paces the reads instead of Share × AccountRate:
	// a limiter shared by the worker machines.
	Limiter nexway.RateLimiter
	// Clock is Nexway's time, against which expiration dates are read
	// (default time.Now); tests give the fake's clock.
	Clock func() time.Time
}

// RenewalEvent is a new generation of a subscription, handed to OnRenewal.
type RenewalEvent struct {
	// JobID is the River job that saw the renewal.
	JobID int64
	// PartnerOrderNumber is the original order's number.
	PartnerOrderNumber string
	// SubscriptionID is the subscription's id.
	SubscriptionID nexway.SubscriptionID
	// Generation counts renewals: 1 for the first.
	Generation int
	// Order is the renewal order, numbered
	// nexway.RenewalOrderNumber(PartnerOrderNumber, Generation); nil only
	// when Err is set.
	Order *nexway.Order
	// Complete reports whether every key of Order is there
	// (Order.Delivered); when false in OnRenewal, OnLateRenewal follows.
	Complete bool
	// Subscription is the status read that showed the renewal; nil in
	// OnLateRenewal.
	Subscription *nexway.Subscription
	// Err is nil, except when Nexway rejected the renewal order (it
	// matches nexway.ErrOrderRejected; Order is nil): in OnRenewal when
	// the rejection is what the first read found, in OnLateRenewal when
	// it came after OnRenewal ran. Either way the shop owes the renewal's
	// refund, and no OnLateRenewal follows an OnRenewal that had it.
	Err error
}

func (s SubscriptionFollowUp[TTx]) withDefaults() SubscriptionFollowUp[TTx] {
	if s.Cadence == 0 {
		s.Cadence = 4 * time.Hour
	}
	if s.NearExpiry == 0 {
		s.NearExpiry = 24 * time.Hour
	}
	if s.NearCadence == 0 {
		s.NearCadence = s.Cadence / 2
	}
	if s.Tick == 0 {
		s.Tick = min(time.Minute, s.NearCadence)
	}
	if s.Batch == 0 {
		s.Batch = 50
	}
	if s.AccountRate == 0 {
		s.AccountRate = 10
	}
	if s.Share == 0 {
		s.Share = 0.7
	}
	if s.Clock == nil {
		s.Clock = time.Now
	}
	return s
}

// validate names the first field that cannot work.
func (s *SubscriptionFollowUp[TTx]) validate() error {
	switch {
	case s.Cadence < 0:
		return invalid("Subscriptions.Cadence", "is negative")
	case s.NearExpiry < 0:
		return invalid("Subscriptions.NearExpiry", "is negative")
	case s.NearCadence < 0:
		return invalid("Subscriptions.NearCadence", "is negative")
	case s.Tick < 0:
		return invalid("Subscriptions.Tick", "is negative")
	case s.Batch < 0:
		return invalid("Subscriptions.Batch", "is negative")
	case !(s.AccountRate >= 0) || s.AccountRate > 1e9:
		return invalid("Subscriptions.AccountRate", "must be a positive number of requests a second")
	case !(s.Share >= 0 && s.Share <= 1):
		return invalid("Subscriptions.Share", "must be within (0, 1]")
	}
	d := s.withDefaults()
	switch {
	case d.NearCadence > d.Cadence:
		return invalid("Subscriptions.NearCadence", "exceeds Cadence")
	case d.Tick > d.NearCadence:
		return invalid("Subscriptions.Tick", "exceeds NearCadence")
	}
	return nil
}
