package redislimit

import (
	"context"
	"errors"
	"testing"

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
