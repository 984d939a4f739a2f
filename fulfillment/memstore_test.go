package fulfillment_test

import (
	"testing"

	"github.com/nexway-go/nexway/fulfillment"
	"github.com/nexway-go/nexway/fulfillment/storetest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) fulfillment.Store { return new(fulfillment.MemoryStore) })
}

func TestStatusString(t *testing.T) {
	t.Parallel()
	for s, want := range map[fulfillment.Status]string{
		fulfillment.Acquired: "acquired", fulfillment.Answered: "answered", fulfillment.InFlight: "in flight", 0: "Status(0)",
	} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(s), got, want)
		}
	}
}
