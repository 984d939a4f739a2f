package redislimit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// admissions records, from the client's side, when each reply of Redis
// that admitted a request was asked for and received: Redis decided at
// some instant in between.
type admissions struct {
	mu    sync.Mutex
	spans []span
}

type span struct{ start, end time.Time }

func (a *admissions) DialHook(next redis.DialHook) redis.DialHook { return next }

func (a *admissions) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (a *admissions) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		end := time.Now()
		if c, ok := cmd.(*redis.Cmd); ok && err == nil {
			// redis_rate's reply: {allowed, remaining, retryAfter, resetAfter}.
			if v, ok := c.Val().([]any); ok && len(v) == 4 && v[0] == int64(1) {
				a.mu.Lock()
				a.spans = append(a.spans, span{start, end})
				a.mu.Unlock()
			}
		}
		return err
	}
}

// excess returns by how many requests the admissions exceed the limit
// r, burst in their worst window: at most 0 when the limit held. A window
// runs from the start of one span to the end of another and holds the
// admissions whose span lies inside it, so it is at least as long as the
// time Redis took to admit them: no scheduling delay can shorten it.
func excess(spans []span, r rate.Limit, burst int) float64 {
	worst := float64(-burst)
	for _, from := range spans {
		for _, to := range spans {
			window := to.end.Sub(from.start)
			if window < 0 {
				continue
			}
			n := 0
			for _, s := range spans {
				if !s.start.Before(from.start) && !s.end.After(to.end) {
					n++
				}
			}
			worst = max(worst, float64(n)-float64(burst)-float64(r)*window.Seconds())
		}
	}
	return worst
}

// offer makes callers goroutines per limiter call Wait until the limiters
// have admitted n requests between them.
func offer(t *testing.T, limiters []*Limiter, callers, n int) {
	t.Helper()
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	errs := make(chan error, len(limiters)*callers)
	for _, l := range limiters {
		for range callers {
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					if err := l.Wait(context.Background()); err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// Four limiters on four clients, twelve callers far above the limit:
// together they keep Nexway's 10/s, burst 10, in every window. With a
// key each, as with a limit per process, the same check fails.
func TestSharedLimit(t *testing.T) {
	rdb := sharedRedis(t)
	const limiters, callers, n = 4, 3, 40
	for _, shared := range []bool{true, false} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			key := testKey(t, rdb)
			log := &admissions{}
			ls := make([]*Limiter, limiters)
			for i := range ls {
				c := newClient(t, rdb.Options().Addr)
				c.AddHook(log)
				k := key
				if !shared {
					k = testKey(t, rdb)
				}
				// A generous timeout: this test is about the shared
				// limit, and a loaded machine may take Redis past 100 ms.
				ls[i] = newLimiter(t, c, k, WithoutFallback(), WithRedisTimeout(5*time.Second))
			}
			offer(t, ls, callers, n)
			if len(log.spans) != n {
				t.Fatalf("Redis admitted %d requests, the limiters %d", len(log.spans), n)
			}
			// A tenth of a request covers Redis rounding times to 10 µs
			// and its wall clock drifting from ours; a broken limit
			// exceeds by whole requests.
			over := excess(log.spans, defaultRate, defaultBurst)
			t.Logf("%d admissions, worst window %+.3f requests against the limit", n, over)
			switch {
			case shared && over > 0.1:
				t.Errorf("the shared limit let through %.2f requests too many in one window", over)
			case !shared && over < 1:
				t.Errorf("limiters with a key each kept the limit together (%.2f): the check cannot fail", over)
			}
		})
	}
}

// A second request at one a minute would pass a 30 s deadline: Wait fails
// at once, long before the deadline, without sleeping.
func TestWaitPastDeadline(t *testing.T) {
	rdb := sharedRedis(t)
	l := newLimiter(t, rdb, testKey(t, rdb), WithRate(rate.Every(time.Minute), 1))
	l.sleeping = func(d time.Duration) { t.Errorf("slept %v", d) }
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := l.Wait(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	if ctx.Err() != nil {
		t.Error("Wait returned only when the deadline had passed")
	}
}

// A context cancelled while Wait sleeps until Redis's RetryAfter ends the
// wait at once.
func TestWaitCancelledWhileSleeping(t *testing.T) {
	rdb := sharedRedis(t)
	l := newLimiter(t, rdb, testKey(t, rdb), WithRate(rate.Every(time.Minute), 1))
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var slept time.Duration
	l.sleeping = func(d time.Duration) { slept = d; cancel() }
	if err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if slept < 50*time.Second || slept > time.Minute {
		t.Errorf("was to sleep %v, want Redis's RetryAfter of up to a minute", slept)
	}
}

// Refused, Wait sleeps for Redis's RetryAfter and asks again.
func TestWaitSleepsRetryAfter(t *testing.T) {
	rdb := sharedRedis(t)
	l := newLimiter(t, rdb, testKey(t, rdb), WithRate(20, 1))
	var slept []time.Duration
	l.sleeping = func(d time.Duration) { slept = append(slept, d) }
	for range 2 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(slept) == 0 || slices.ContainsFunc(slept, func(d time.Duration) bool { return d <= 0 || d > 50*time.Millisecond }) {
		t.Errorf("slept %v between two requests at 20/s, want one RetryAfter of at most 50ms", slept)
	}
}

// The limit is stored under a namespaced digest of the key: a key that is
// a secret never reaches Redis.
func TestKeyStoredHashed(t *testing.T) {
	rdb := sharedRedis(t)
	secret := "s3cret-" + testKey(t, rdb)
	l := newLimiter(t, rdb, secret)
	t.Cleanup(func() { l.gcra.Reset(context.Background(), l.key) })
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	stored := "rate:" + l.key
	if n := rdb.Exists(context.Background(), stored).Val(); n != 1 {
		t.Fatalf("no key %s in Redis", stored)
	}
	if !strings.HasPrefix(stored, "rate:nexway:") || len(stored) != len("rate:nexway:")+32 || strings.Contains(stored, "s3cret") {
		t.Errorf("stored under %q, want rate:nexway: and 32 hex digits", stored)
	}
}
