package nexwayriver

import (
	"errors"
	"fmt"

	"github.com/riverqueue/river"
)

// addFollowUpWorkers registers the workers of the subscription follow-up
// and the catalog import that c configures.
func addFollowUpWorkers[TTx any](workers *river.Workers, c Config[TTx]) error {
	var err error
	if c.Subscriptions.OnRenewal != nil {
		limiter := sweepLimiter(c)
		err = errors.Join(
			river.AddWorkerSafely(workers, &subscriptionPlanWorker[TTx]{cfg: c}),
			river.AddWorkerSafely(workers, &subscriptionReadWorker[TTx]{cfg: c, limiter: limiter}),
			river.AddWorkerSafely(workers, &renewalKeysWorker[TTx]{cfg: c, limiter: limiter}))
	}
	if err == nil && len(c.Catalog.Feeds) > 0 {
		err = river.AddWorkerSafely(workers, &catalogWorker[TTx]{cfg: c})
	}
	if err != nil {
		return fmt.Errorf("nexwayriver: %w", err)
	}
	return nil
}

// PeriodicJobs returns the periodic jobs of the subscription follow-up
// and the catalog import that cfg configures, for a shop that builds its
// River client itself (NewClient adds them): append them to
// river.Config.PeriodicJobs. River's elected leader alone inserts them.
func PeriodicJobs[TTx any](cfg *Config[TTx]) []*river.PeriodicJob {
	c := cfg.withDefaults()
	var jobs []*river.PeriodicJob
	if c.Subscriptions.OnRenewal != nil {
		jobs = append(jobs, subscriptionPlanJob(c.Subscriptions.Tick))
	}
	return append(jobs, catalogJobs(&c.Catalog)...)
}
