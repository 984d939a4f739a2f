package nexwayriver

import (
	"hash/fnv"
	"math/bits"
	"strconv"
	"time"

	"github.com/nexway-go/nexway"
)

// phaseOf places a subscription in the cadence: a hash of its identity, as
// a fraction of 2^32. Hashing spreads any set of subscriptions evenly,
// whatever their numbering and whenever they were recorded, and keeps each
// one's place the same on every machine and after a restart.
func phaseOf(pon string, id nexway.SubscriptionID) int64 {
	h := fnv.New64a()
	h.Write([]byte(pon))
	h.Write([]byte{0})
	h.Write(strconv.AppendInt(nil, int64(id), 10))
	s := h.Sum64()
	return int64(uint32(s ^ s>>32))
}

// nextRead returns the first time after now that falls on the
// subscription's place in a cadence of every: now's slot k is
// phase×every + k×every.
func nextRead(now time.Time, phase int64, every time.Duration) time.Time {
	if every <= 0 {
		return now
	}
	hi, lo := bits.Mul64(uint64(phase), uint64(every))
	off := int64(hi<<32 | lo>>32) // phase × every / 2^32
	t := now.UnixNano()
	k := (t-off)/int64(every) + 1
	return time.Unix(0, off+k*int64(every))
}

// subscriptionState is what the table keeps of a subscription between
// reads.
type subscriptionState struct {
	status  nexway.SubscriptionStatus
	expires nexway.Date
	phase   int64
}

// nextReadOf plans the next read of a subscription: every Cadence, and
// every NearCadence once Nexway's clock is within NearExpiry of its
// expiration date (or past it, the renewal not yet seen).
func (f *SubscriptionFollowUp[TTx]) nextReadOf(now time.Time, s subscriptionState) time.Time {
	every := f.Cadence
	if s.status == nexway.SubscriptionActive && !s.expires.IsZero() &&
		!f.Clock().Before(s.expires.In(time.UTC).Add(-f.NearExpiry)) {
		every = f.NearCadence
	}
	return nextRead(now, s.phase, every)
}
