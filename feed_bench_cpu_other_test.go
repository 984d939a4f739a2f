//go:build !unix

package nexway

import "time"

// cpuTime is not measured here; the benchmarks then report no CPU ratio.
func cpuTime() time.Duration { return 0 }
