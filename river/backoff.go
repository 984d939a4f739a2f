package nexwayriver

import (
	"math/rand/v2"
	"time"
)

// retryAfter is the wait before attempt+1 of a job whose attempt failed:
// Min doubled per attempt up to Max, plus up to a quarter of jitter so that
// jobs failed together do not come back together.
func (b Backoff) retryAfter(attempt int) time.Duration {
	d := b.Min
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d + rand.N(d/4+1)
}

// pollAfter is the wait before the next read of an order that has waited
// for waited: a quarter of it, within Min and Max, so that reads are
// frequent at first and hourly once the wait is counted in hours.
func (b Backoff) pollAfter(waited time.Duration) time.Duration {
	return min(max(waited/4, b.Min), b.Max)
}
