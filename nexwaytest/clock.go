package nexwaytest

import (
	"sync"
	"time"
)

// clock tells the fake what time it is. Token lifetimes, download windows,
// cancel periods and subscription renewals are all measured on it, so a test
// can move time forward instead of sleeping.
type clock interface {
	Now() time.Time
}

// realClock is the default clock: the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// manualClock is a clock that only moves when told to. It is safe for
// concurrent use. The zero value reads as the zero time.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

// newManualClock returns a manualClock that reads start until moved.
func newManualClock(start time.Time) *manualClock {
	return &manualClock{t: start}
}

// Now returns the clock's current time.
func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t (backwards is allowed).
func (c *manualClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Now returns the time on the fake's clock: DefaultStartTime (or the time
// given WithStartTime) plus every Advance. Token lifetimes, download windows, cancel
// periods and subscription renewals are all measured on it.
func (s *Server) Now() time.Time { return s.cfg.clock.Now() }

// Advance moves the fake's clock forward by d and makes the subscription
// renewals that fall due: one order <original>-<generation> with a fresh
// key per period passed. A negative d moves the clock back and undoes
// nothing. It reports whether the clock moved, which it always does on a
// Server from NewServer or StartServer (false is for a fake on the wall
// clock, which nothing starts today).
func (s *Server) Advance(d time.Duration) bool {
	mc, ok := s.cfg.clock.(settableClock)
	if !ok {
		return false
	}
	mc.Advance(d)
	s.processDue()
	return true
}
