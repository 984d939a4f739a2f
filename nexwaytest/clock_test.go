package nexwaytest

import (
	"sync"
	"testing"
	"time"
)

func TestManualClock(t *testing.T) {
	c := newManualClock(t0)
	if !c.Now().Equal(t0) {
		t.Fatal("start")
	}
	c.Advance(time.Hour)
	if !c.Now().Equal(t0.Add(time.Hour)) {
		t.Fatal("Advance")
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Fatal("Set")
	}
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Advance(time.Second)
			_ = c.Now()
		}()
	}
	wg.Wait()
	if !c.Now().Equal(t0.Add(10 * time.Second)) {
		t.Fatalf("concurrent Advance: %v", c.Now())
	}
	var zero manualClock
	if !zero.Now().IsZero() {
		t.Error("zero manualClock")
	}
}

func TestServerAdvance(t *testing.T) {
	t.Parallel()
	s := newUnstarted(config{})
	if s.Advance(time.Hour) {
		t.Error("Advance on the real clock reported true")
	}
	if d := time.Since(s.Now()); d < 0 || d > time.Minute {
		t.Errorf("real clock Now off by %v", d)
	}
	c := newManualClock(t0)
	s = newUnstarted(config{clock: c})
	if !s.Advance(time.Hour) || !s.Now().Equal(t0.Add(time.Hour)) || !c.Now().Equal(s.Now()) {
		t.Error("Advance on a manual clock")
	}
}
