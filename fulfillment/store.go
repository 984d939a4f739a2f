package fulfillment

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// Key names one unit of work: Nexway retries an operation on a unit with
// the same fulfillment id, so the pair is the idempotency key; a renewal
// or an upgrade happens once per order on the same license, so for them
// the order id (Generation) is part of it. Keys are compared byte for
// byte: two keys that differ in any byte are two units, in every Store.
type Key struct {
	FulfillmentID string
	Operation     Operation
	Generation    string // see Request.Generation
}

// A Lease is a claim on a unit by one request: Token identifies the
// holder, and the claim lapses at Until unless it was completed or
// released. Now is the claimant's clock, so that a store need not read one.
type Lease struct {
	Key   Key
	Token string
	Now   time.Time
	Until time.Time
}

// Status says what Store.Claim found.
type Status int

// The outcomes of Store.Claim.
const (
	// Acquired: the caller holds the lease and must run the unit, then
	// Complete or Release it.
	Acquired Status = iota + 1
	// Answered: the unit has a recorded answer, in Outcome.Answer.
	Answered
	// InFlight: another holder's lease runs until Outcome.Until.
	InFlight
)

// String returns the status's name.
func (s Status) String() string {
	switch s {
	case Acquired:
		return "acquired"
	case Answered:
		return "answered"
	case InFlight:
		return "in flight"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Outcome is the result of Store.Claim.
type Outcome struct {
	Status Status
	Answer []byte    // when Answered
	Until  time.Time // when InFlight
}

// ErrLeaseLost is returned by Complete and Release when the lease's token no
// longer holds the unit: it expired and another request took it over, or the
// unit was answered meanwhile.
var ErrLeaseLost = errors.New("fulfillment: lease lost")

// A Store records, for each unit, who is working on it and the answer once
// there is one. It is shared by every replica of the publisher's service;
// all its methods must be safe for concurrent use, and atomic per unit
// across replicas. The package storetest checks an implementation.
type Store interface {
	// Claim returns Answered with the recorded answer if the unit has one.
	// Otherwise, if no lease holds the unit or the holding lease's Until is
	// not after l.Now, it records l as the holder and returns Acquired.
	// Otherwise it returns InFlight with the holder's Until.
	Claim(ctx context.Context, l Lease) (Outcome, error)

	// Complete records answer for the unit if l still holds it, and ends
	// the lease; it returns ErrLeaseLost if l does not hold it.
	Complete(ctx context.Context, l Lease, answer []byte) error

	// Release ends l's lease without an answer, so that the next Claim
	// acquires the unit at once; it returns ErrLeaseLost if l does not
	// hold it.
	Release(ctx context.Context, l Lease) error
}
