package nexwaytest

import (
	"sync"
	"time"
)

// settableClock is a clock that Advance can move and Reset can set back.
type settableClock interface {
	clock
	Set(t time.Time)
	Advance(d time.Duration)
}

// runningClock moves with real time from the instant it was last set, plus
// whatever Advance added (WithRunningClock). It is safe for concurrent use.
type runningClock struct {
	mu    sync.Mutex
	at    time.Time // the reading when set, plus every Advance
	since time.Time // when it was set, on the monotonic clock
}

// newRunningClock returns a runningClock that reads start now.
func newRunningClock(start time.Time) *runningClock {
	return &runningClock{at: start, since: time.Now()}
}

// Now returns the clock's current time.
func (c *runningClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at.Add(time.Since(c.since))
}

// Set makes the clock read t now, and run on from there.
func (c *runningClock) Set(t time.Time) {
	c.mu.Lock()
	c.at, c.since = t, time.Now()
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *runningClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.at = c.at.Add(d)
	c.mu.Unlock()
}
