package redislimit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"golang.org/x/time/rate"
)

// What the shared limiter adds to each attempt of a call, against the
// client's local limiter, at rates that never make either wait (the local
// one's as in the client's benchmarks, the shared one's its maximum, as a
// question to Redis takes tens of microseconds). redis_rate is the floor:
// its question alone, without the goroutine that lets Wait leave as soon
// as the context ends or the timeout passes.
//
//	go test -run '^$' -bench Wait -benchmem -count 10 . | tee bench.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl bench.txt
func BenchmarkWait(b *testing.B) {
	b.Run("impl=local", func(b *testing.B) {
		benchmarkWait(b, rate.NewLimiter(1e9, 1e9))
	})
	b.Run("impl=redis", func(b *testing.B) {
		rdb := sharedRedis(b)
		benchmarkWait(b, newLimiter(b, rdb, testKey(b, rdb), WithRate(maxRate, int(maxRate))))
	})
	b.Run("impl=redis_rate", func(b *testing.B) {
		rdb := sharedRedis(b)
		l := newLimiter(b, rdb, testKey(b, rdb), WithRate(maxRate, int(maxRate)))
		benchmarkWait(b, allowOnly{l})
	})
}

// allowOnly asks Redis as Wait does, without Wait's goroutine.
type allowOnly struct{ *Limiter }

func (l allowOnly) Wait(ctx context.Context) error {
	res, err := l.gcra.Allow(ctx, l.key, l.limit)
	if err == nil && res.Allowed == 0 {
		return errors.New("refused")
	}
	return err
}

func benchmarkWait(b *testing.B, l nexway.RateLimiter) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := l.Wait(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := l.Wait(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkWaitPaired times Wait and redis_rate's question alone in turns
// within one loop, the first to go alternating, so that both meet the
// same machine: on a shared VM the speed drifts between separate
// benchmarks by more than the difference being measured, Wait's goroutine.
func BenchmarkWaitPaired(b *testing.B) {
	rdb := sharedRedis(b)
	l := newLimiter(b, rdb, testKey(b, rdb), WithRate(maxRate, int(maxRate)))
	fns := [2]nexway.RateLimiter{l, allowOnly{l}}
	ctx := context.Background()
	var spent [2]time.Duration
	n := 0
	for b.Loop() {
		for j := range fns {
			i := (n + j) % 2
			start := time.Now()
			if err := fns[i].Wait(ctx); err != nil {
				b.Fatal(err)
			}
			spent[i] += time.Since(start)
		}
		n++
	}
	perCall := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
	b.ReportMetric(0, "ns/op") // the sum of the two says nothing
	b.ReportMetric(perCall(spent[0]), "wait-ns/op")
	b.ReportMetric(perCall(spent[1]), "redis_rate-ns/op")
}
