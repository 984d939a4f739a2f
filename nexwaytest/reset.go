package nexwaytest

// Reset puts the fake back in the state it started in, so that tests can
// share one server (a nexway-fake process, a package's TestMain) and still
// start each case afresh: the catalog, key pools and publishers it started
// with (the defaults and what WithSetup loads, keys drawn again from the
// same seed), the feed settings of WithFeed, no orders, subscriptions, holds, faults or tokens, an empty
// request log and counts, and the clock at its start. Tokens issued before
// are refused from then on (HTTP 401); the Client fetches a new one by
// itself.
//
// The state is built anew through the same path as at start, from the same
// options, then swapped in at once, under the lock every request takes. A
// request being served while Reset runs may leave its effects in the new
// state: call WaitIdle first. Reset fails, changing nothing, only if a
// WithSetup function does.
func (s *Server) Reset() error {
	fresh, err := build(s.cfg.opts)
	if err != nil {
		return err
	}
	defer fresh.Close() // never served; releases its context
	s.mu.Lock()
	defer s.mu.Unlock()
	s.adopt(fresh)
	if c, ok := s.cfg.clock.(settableClock); ok {
		c.Set(fresh.Now())
	}
	return nil
}

// resetKeeps are the fields of Server that Reset leaves alone: what the
// server is and how it serves, not what it holds. Every other field is
// state, which adopt takes from a freshly built server; a test fails when
// a field is neither, so that state added later is reset too.
var resetKeeps = []string{
	"URL", "Client", "httpServer", "admin", "cfg", "mux", "ctx", "cancel", "closed", "once",
	"mu", "inflight", "idle", "bg",
}

// adopt takes the state of fresh, a server built from s's options. s.mu is
// held.
func (s *Server) adopt(fresh *Server) {
	s.rng, s.faultRng = fresh.rng, fresh.faultRng
	s.products, s.categories, s.oses = fresh.products, fresh.categories, fresh.oses
	s.pools, s.keyOwner, s.publishers = fresh.pools, fresh.keyOwner, fresh.publishers
	s.orders, s.reserved, s.nextOrder, s.holds = fresh.orders, fresh.reserved, fresh.nextOrder, fresh.holds
	s.subs, s.nextDue, s.subByID, s.nextSub = fresh.subs, fresh.nextDue, fresh.subByID, fresh.nextSub
	s.access, s.refresh = fresh.access, fresh.refresh
	s.faultQueue, s.faultRates, s.followUps, s.thenFaults = fresh.faultQueue, fresh.faultRates, fresh.followUps, fresh.thenFaults
	s.dialects = fresh.dialects // the variants drawn again from the seed
	s.limits, s.stored, s.tokenSweep = fresh.limits, fresh.stored, fresh.tokenSweep
	s.log, s.counts = fresh.log, fresh.counts
	s.feed = fresh.feed
}
