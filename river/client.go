package nexwayriver

import (
	"fmt"
	"maps"
	"slices"

	"github.com/riverqueue/river"
)

// AddWorkers registers the back office's workers on workers, for a shop
// that builds its River client itself (it must also add Queues(cfg) and
// PeriodicJobs(cfg) to its river.Config). It
// fails when cfg cannot work (an error matching ErrConfig naming the
// field) or when a worker of the same kind is already registered.
func AddWorkers[TTx any](workers *river.Workers, cfg *Config[TTx]) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	if workers == nil {
		return invalid("workers", "is nil")
	}
	c := cfg.withDefaults()
	c.Orders = recordSubscriptions(c)
	if err := river.AddWorkerSafely(workers, &orderWorker[TTx]{cfg: c}); err != nil {
		return fmt.Errorf("nexwayriver: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &orderKeysWorker[TTx]{cfg: c}); err != nil {
		return fmt.Errorf("nexwayriver: %w", err)
	}
	return addFollowUpWorkers(workers, c)
}

// NewClient returns a River client on cfg.DB that runs the back office's
// jobs, and can run the shop's own: rc is River's configuration (nil for
// its defaults), to which the workers and queues are added; rc itself is
// not changed. Start it with Start, stop it with Stop. A killed worker's
// jobs are taken up again after rc.RescueStuckJobsAfter (River's default:
// one hour). It fails on a Config that cannot work, a queue of rc named
// like QueueCheckout or QueueSweep, or River's own refusal.
func NewClient[TTx any](cfg *Config[TTx], rc *river.Config) (*river.Client[TTx], error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	var conf river.Config
	if rc != nil {
		conf = *rc
	}
	if conf.Workers == nil {
		conf.Workers = river.NewWorkers()
	}
	if err := AddWorkers(conf.Workers, cfg); err != nil {
		return nil, err
	}
	queues := maps.Clone(conf.Queues)
	if queues == nil {
		queues = map[string]river.QueueConfig{}
	}
	for name, q := range Queues(cfg) {
		if _, ok := queues[name]; ok {
			return nil, invalid("river.Config.Queues", "already holds "+name)
		}
		queues[name] = q
	}
	conf.Queues = queues
	conf.PeriodicJobs = append(slices.Clone(conf.PeriodicJobs), PeriodicJobs(cfg)...)
	c, err := river.NewClient(cfg.DB.driver, &conf)
	if err != nil {
		return nil, fmt.Errorf("nexwayriver: %w", err)
	}
	return c, nil
}
