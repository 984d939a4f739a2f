package nexwaytest

import (
	"testing"
	"testing/synctest"
	"time"
)

// A running clock moves with real time and with Advance, and Reset takes it
// back to its start, from where it runs on.
func TestRunningClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Date(2027, time.March, 1, 12, 0, 0, 0, time.UTC)
		s, err := build([]Option{WithRunningClock(), WithStartTime(start)}) // in either order
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if !s.Now().Equal(start) {
			t.Fatalf("Now = %v, want %v", s.Now(), start)
		}
		time.Sleep(90 * time.Second)
		if want := start.Add(90 * time.Second); !s.Now().Equal(want) {
			t.Errorf("90 s later: %v, want %v", s.Now(), want)
		}
		if !s.Advance(time.Hour) {
			t.Fatal("Advance refused")
		}
		if want := start.Add(time.Hour + 90*time.Second); !s.Now().Equal(want) {
			t.Errorf("after Advance: %v, want %v", s.Now(), want)
		}
		if err := s.Reset(); err != nil {
			t.Fatal(err)
		}
		if !s.Now().Equal(start) {
			t.Errorf("after Reset: %v, want %v", s.Now(), start)
		}
		time.Sleep(time.Second)
		if want := start.Add(time.Second); !s.Now().Equal(want) {
			t.Errorf("a second after Reset: %v, want %v", s.Now(), want)
		}
	})
}

// By default the clock does not move on its own.
func TestFixedClock(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s, err := build(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		time.Sleep(time.Hour)
		if !s.Now().Equal(DefaultStartTime()) {
			t.Errorf("Now = %v an hour later, want DefaultStartTime", s.Now())
		}
	})
}
