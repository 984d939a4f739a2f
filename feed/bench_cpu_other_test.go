//go:build !unix

package feed

import "time"

// cpuTime is not measured here; the benchmarks then report no CPU ratio.
func cpuTime() time.Duration { return 0 }
