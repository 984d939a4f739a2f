package nexwaytest

import "time"

// What the fake forgets, so that a soak test of hours or a fake left
// running for days keeps flat memory: the oldest orders past
// WithOrderRetention, the IAM tokens past their expiry, and the oldest
// requests past the log's bounds (requestlog.go).

// WithOrderRetention makes the fake keep only the n most recently stored
// orders, renewals included (an order is stored when its create call
// finishes, or at once when held pending). An older order is forgotten:
// get, cancel, download and subscription calls answer it as an unknown
// order (code 1010), Order and Orders no longer show it, the
// subscriptions it started are forgotten with it (they answer 1010 and
// renew no more), and its partner order number may be used again. Its
// batch keys stay drawn.
//
// The fake keeps every order by default (n ≤ 0), each some 700 bytes and
// more with many lines, so that a test can always read back what it did;
// set a retention for a long run, larger than the number of orders the
// run still reads back or resends.
func WithOrderRetention(n int) Option {
	return func(c *config) error { c.orderRetention = n; return nil }
}

// storeOrderLocked stores a new order, forgetting the oldest past the
// retention.
func (s *Server) storeOrderLocked(o *order) {
	s.orders[o.pon] = o
	s.stored.push(o.pon)
	for s.cfg.orderRetention > 0 && s.stored.len() > s.cfg.orderRetention {
		s.forgetOrderLocked(s.stored.pop())
	}
}

// forgetOrderLocked drops an order and the subscriptions it started.
func (s *Server) forgetOrderLocked(pon string) {
	o := s.orders[pon]
	if o == nil {
		return
	}
	delete(s.orders, pon)
	for _, ol := range o.lines {
		for _, it := range ol.items {
			if sub := s.subByID[it.subID]; sub != nil && sub.pon == pon {
				s.forgetSubscriptionLocked(sub)
			}
		}
	}
}

// forgetSubscriptionLocked drops a subscription. processDue may be
// ranging over s.subs meanwhile (a renewal stores an order, which may
// forget another), so s.subs is never changed in place: the subscription
// ends (it renews no more), and s.subs is copied without the forgotten
// ones once they are half of it.
func (s *Server) forgetSubscriptionLocked(sub *subscription) {
	delete(s.subByID, sub.id)
	sub.kill(sub.expires)
	if len(s.subs) > 2*len(s.subByID)+minSubsCompacted {
		kept := make([]*subscription, 0, 2*len(s.subByID))
		for _, x := range s.subs {
			if s.subByID[x.id] == x {
				kept = append(kept, x)
			}
		}
		s.subs = kept
	}
}

// minSubsCompacted is the number of forgotten subscriptions below which
// s.subs is not compacted.
const minSubsCompacted = 64

// minTokenSweep is the number of stored tokens below which the fake does
// not look for expired ones.
const minTokenSweep = 64

// pruneTokensLocked forgets the access and refresh tokens that expired by
// now: a client presenting one meets the same 401 as with an unknown token.
// It looks only once the tokens have doubled since the last look, so that
// tokens that do not expire (a clock that does not move) cost O(1) a grant.
func (s *Server) pruneTokensLocked(now time.Time) {
	if len(s.access)+len(s.refresh) < max(s.tokenSweep, minTokenSweep) {
		return
	}
	for k, at := range s.access {
		if !now.Before(at.expires) {
			delete(s.access, k)
		}
	}
	for k, rt := range s.refresh {
		if !now.Before(rt.expires) {
			delete(s.refresh, k)
		}
	}
	s.tokenSweep = 2 * (len(s.access) + len(s.refresh))
}
