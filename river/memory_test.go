package nexwayriver

import (
	"context"
	"flag"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexway-go/nexway/nexwaytest"
	"github.com/riverqueue/river"
)

var memJobs = flag.Int("backoffice.memjobs", 400, "order jobs of BenchmarkWorkerMemory (the measurement: 100000)")

// memSamples is the number of live-heap samples of BenchmarkWorkerMemory,
// one each tenth of the jobs.
const memSamples = 10

// BenchmarkWorkerMemory runs -backoffice.memjobs order jobs through the
// worker against a fake with no rate limit, a tenth at a time, and samples
// the process's live heap (after a GC) once each tenth has settled. It
// fails if the heap at the end is above twice the first sample plus 8 MiB:
// what the worker keeps per job would show as growth over the run. b.N is
// ignored: run it with -benchtime 1x.
//
// The fake runs in the same process and keeps its orders in memory; it
// keeps only the latest memRetention orders and a one-entry request log,
// so that what grows is the worker's. The shop's rows and River's
// completed jobs are in the database, not the heap.
func BenchmarkWorkerMemory(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		s, _ := sqliteShop(b)
		benchWorkerMemory(b, s)
	})
	b.Run("pgx", func(b *testing.B) {
		postgresDSN(b)
		s, _ := pgxShop(b)
		benchWorkerMemory(b, s)
	})
}

// memRetention is the number of orders the fake keeps in the memory
// benchmark: more than the jobs in flight, none read back later.
const memRetention = 1000

func benchWorkerMemory[TTx any](b *testing.B, s *shop[TTx]) {
	n := *memJobs
	if n < memSamples {
		b.Fatalf("-backoffice.memjobs=%d: at least %d", n, memSamples)
	}
	srv := nexwaytest.NewServer(b, nexwaytest.WithOrderRetention(memRetention), nexwaytest.WithRequestLogLimit(1, 1<<10))
	if err := srv.SetPublisher(batchProduct, nexwaytest.GeneratedKeys("NAP")); err != nil {
		b.Fatal(err)
	}
	var settled atomic.Int64
	count := func(context.Context, TTx, string, string) error { settled.Add(1); return nil }
	cfg := &Config[TTx]{Nexway: srv.Client, DB: s.db, Orders: s.hooks(count), CheckoutWorkers: 50}
	c := start(b, cfg, &river.Config{Logger: quietLogger, FetchCooldown: 5 * time.Millisecond, FetchPollInterval: 20 * time.Millisecond})

	ctx := context.Background()
	heap := make([]uint64, 0, memSamples)
	b.ResetTimer()
	t0 := time.Now()
	for k := range memSamples {
		lo, hi := k*n/memSamples, (k+1)*n/memSamples
		for from := lo; from < hi; from += 100 {
			if err := s.db.inTx(ctx, func(tx TTx) error {
				for i := from; i < min(from+100, hi); i++ {
					if _, err := EnqueueOrderTx(ctx, c, tx, order("M-"+strconv.Itoa(i), batchProduct)); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		waitFor(b, "the jobs settled", 30*time.Minute, func() bool { return settled.Load() >= int64(hi) && s.drained() })
		heap = append(heap, liveHeap())
		b.Logf("%d jobs: live heap %.1f MiB", hi, mib(heap[k]))
	}
	elapsed := time.Since(t0)
	b.StopTimer()
	if got := s.query("SELECT COUNT(*) FROM deliveries"); got != n {
		b.Fatalf("%d deliveries recorded for %d jobs", got, n)
	}
	first, last := heap[0], heap[len(heap)-1]
	b.ReportMetric(float64(n)/elapsed.Seconds(), "jobs/s")
	b.ReportMetric(mib(first), "heap-first-MiB")
	b.ReportMetric(mib(last), "heap-last-MiB")
	b.ReportMetric(mib(last)-mib(first), "heap-growth-MiB")
	if bound := 2*first + 8<<20; last > bound {
		b.Fatalf("live heap grew from %.1f MiB after %d jobs to %.1f MiB after %d: above the bound of %.1f MiB",
			mib(first), n/memSamples, mib(last), n, mib(bound))
	}
}

// liveHeap returns the bytes of the heap still reachable after a
// collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
