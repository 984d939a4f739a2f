package fulfillment_test

import (
	"testing"

	"github.com/nexway-go/nexway/fulfillment"
	"github.com/nexway-go/nexway/fulfillment/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) fulfillment.Store { return new(fulfillment.MemoryStore) })
}
