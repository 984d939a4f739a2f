package nexwayriver

import "github.com/riverqueue/river"

// The River queues the jobs run in. Checkouts have a queue of their own so
// that the sweeps' jobs never hold a worker slot a checkout waits for.
const (
	// QueueCheckout holds the order jobs: creating an order, waiting for a
	// pending order or late keys.
	QueueCheckout = "nexway_checkout"
	// QueueSweep holds the periodic jobs that follow the account's state.
	QueueSweep = "nexway_sweep"
)

// Queues returns River's queue configuration for cfg's worker counts, to
// merge into river.Config.Queues when the shop builds its own client.
func Queues[TTx any](cfg *Config[TTx]) map[string]river.QueueConfig {
	c := cfg.withDefaults()
	return map[string]river.QueueConfig{
		QueueCheckout: {MaxWorkers: c.CheckoutWorkers},
		QueueSweep:    {MaxWorkers: c.SweepWorkers},
	}
}
