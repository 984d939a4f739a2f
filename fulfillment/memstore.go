package fulfillment

import (
	"bytes"
	"context"
	"sync"
	"time"
)

// MemoryStore is a Store in the process's memory: for tests, and for a
// publisher running a single replica that accepts losing its records on
// restart (a restarted process would issue a second key to a retry of a
// unit it had answered). Its zero value is ready to use; it is safe for
// concurrent use. Records are never evicted.
type MemoryStore struct {
	mu    sync.Mutex
	units map[Key]*memUnit
}

type memUnit struct {
	token  string
	until  time.Time
	answer []byte // nil until answered
}

// Claim implements Store.
func (s *MemoryStore) Claim(_ context.Context, l Lease) (Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.units == nil {
		s.units = make(map[Key]*memUnit)
	}
	u := s.units[l.Key]
	switch {
	case u == nil:
		s.units[l.Key] = &memUnit{token: l.Token, until: l.Until}
	case u.answer != nil:
		return Outcome{Status: Answered, Answer: bytes.Clone(u.answer)}, nil
	case u.until.After(l.Now):
		return Outcome{Status: InFlight, Until: u.until}, nil
	default:
		u.token, u.until = l.Token, l.Until
	}
	return Outcome{Status: Acquired}, nil
}

// Complete implements Store.
func (s *MemoryStore) Complete(_ context.Context, l Lease, answer []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.held(l)
	if u == nil {
		return ErrLeaseLost
	}
	u.answer = bytes.Clone(answer)
	if u.answer == nil {
		u.answer = []byte{}
	}
	return nil
}

// Release implements Store.
func (s *MemoryStore) Release(_ context.Context, l Lease) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.held(l)
	if u == nil {
		return ErrLeaseLost
	}
	u.until = time.Time{}
	return nil
}

// held returns the unit if l's token holds it unanswered.
func (s *MemoryStore) held(l Lease) *memUnit {
	u := s.units[l.Key]
	if u == nil || u.answer != nil || u.token != l.Token {
		return nil
	}
	return u
}
