// Package redislimit shares one Nexway rate limit between every replica of
// a storefront, through Redis.
//
// Nexway documents a limit of 10 requests/s for its Monetize API
// (https://github.com/NexwayGroup/nx-api-docs, docs/guides/99-rate_limits.md)
// and none for Connect; this package assumes the same limit, counted per
// account rather than per process. Then eight replicas each limited to
// 10/s send up to 80/s between them. A Limiter keeps the limit in Redis
// with the generic cell rate algorithm of github.com/go-redis/redis_rate,
// so that all replicas using the same key and Redis draw from one budget:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"})
//	lim, err := redislimit.New(rdb, realm, redislimit.WithFallback(8))
//	c, err := nexway.NewClient(nexway.WithRateLimiter(lim), ...)
//
// The client asks the limiter before every attempt, retries included.
//
// # When Redis is unavailable
//
// By default the limiter then admits requests through a limiter local to
// the process, at the shared rate divided by the replica count given to
// WithFallback (1 unless set). Falling back is the default because the
// limit protects the account from 429s, and a Redis outage should not
// stop every checkout: at worst the replicas together exceed the limit
// and meet 429s, which the client retries after Nexway's Retry-After.
// Without a replica count each replica keeps the full rate, as a client
// without Redis would; with the count, the fleet stays under the limit.
// WithoutFallback makes Wait fail instead, with an error matching
// ErrRedisUnavailable, for those who would rather not send than risk 429s.
//
// After a failure the limiter leaves Redis alone for a second, so that a
// Redis that hangs costs one WithRedisTimeout per second rather than one
// per request, then asks again: when Redis answers, the limit is shared
// once more. A Redis restarted empty starts with a full burst.
package redislimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/nexway-go/nexway"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

var _ nexway.RateLimiter = (*Limiter)(nil)

// retryRedisAfter is how long the limiter leaves Redis alone after a
// failure before asking it again.
const retryRedisAfter = time.Second

// keyPrefix namespaces the limiter's keys; redis_rate adds "rate:".
const keyPrefix = "nexway:"

// Limiter is a nexway.RateLimiter shared through Redis by every Limiter
// with the same key on the same Redis. It is safe for concurrent use.
type Limiter struct {
	gcra     *redis_rate.Limiter
	key      string
	limit    redis_rate.Limit
	timeout  time.Duration
	fallback *rate.Limiter // nil: fail while Redis is unavailable
	replicas int
	logger   *slog.Logger
	down     atomic.Pointer[outage]

	// Seams for the tests: the clock that ends an outage, and a call made
	// just before Wait sleeps until Redis's RetryAfter.
	now      func() time.Time
	sleeping func(time.Duration)
}

// outage is Redis's last failure, in force until a given time.
type outage struct {
	until time.Time
	err   *unavailableError
}

// New returns a Limiter that keeps the limit named key in Redis through
// rdb, a *redis.Client, *redis.ClusterClient, *redis.Ring or failover
// client. Every replica that passes the same key shares one limit: name
// the Nexway account, for instance by its realm or secret. The key is
// stored hashed, as rate:nexway: and the first 128 bits of its SHA-256 in
// hex, so a secret never reaches Redis. Options set the rate (Nexway's 10/s, burst 10 by default) and what
// happens while Redis is unavailable.
//
// New checks its arguments, not Redis: a Redis that is down now is met,
// and survived, by Wait. It returns an error matching
// nexway.ErrInvalidArgument, naming the argument, for a nil rdb, an empty
// key or an invalid option.
func New(rdb redis.UniversalClient, key string, opts ...Option) (*Limiter, error) {
	if rdb == nil {
		return nil, invalid("rdb", "needs a Redis client")
	}
	if key == "" {
		return nil, invalid("key", "needs the name of the limit, such as the Nexway account")
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	sum := sha256.Sum256([]byte(key))
	l := &Limiter{
		gcra: redis_rate.NewLimiter(rdb),
		key:  keyPrefix + hex.EncodeToString(sum[:16]),
		// GCRA only uses the interval between two requests (Period/Rate)
		// and the burst, so any rate is one request per 1/r seconds.
		limit:    redis_rate.Limit{Rate: 1, Burst: cfg.burst, Period: time.Duration(float64(time.Second) / float64(cfg.rate))},
		timeout:  cfg.timeout,
		replicas: cfg.replicas,
		logger:   cfg.logger,
		now:      time.Now,
	}
	if cfg.replicas > 0 {
		l.fallback = rate.NewLimiter(cfg.rate/rate.Limit(cfg.replicas), max(1, cfg.burst/cfg.replicas))
	}
	return l, nil
}

// Wait blocks until the shared limit admits one request, or fails.
//
// A wait that would pass ctx's deadline fails at once with an error
// matching context.DeadlineExceeded, and a ctx that ends ends the wait
// with ctx.Err(), including while Redis is being asked. While Redis is
// unavailable Wait limits locally or, with WithoutFallback, fails with an
// error matching ErrRedisUnavailable (see the package documentation).
//
// Between replicas the limit is not a queue: a wait sleeps until Redis
// says the next request fits, and the replica that asks first then takes
// it, so under contention one caller may wait longer than another.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if o := l.outage(); o != nil {
			return l.waitLocally(ctx, o)
		}
		retryAfter, err := l.ask(ctx)
		switch {
		case err == nil && retryAfter == 0:
			return nil
		case err == nil:
			if err := l.sleep(ctx, retryAfter); err != nil {
				return err
			}
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			return l.waitLocally(ctx, l.fail(err))
		}
	}
}

// answer is one reply of redis_rate.
type answer struct {
	res *redis_rate.Result
	err error
}

// ask takes one request from the shared limit, and returns 0 when it was
// admitted or how long to wait before asking again. The question runs in
// its own goroutine so that the caller leaves at once when ctx ends or
// the timeout passes: go-redis heeds a context's deadline only when its
// client enables it, and never its cancellation mid-reply.
func (l *Limiter) ask(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	reply := make(chan answer, 1)
	go l.allow(ctx, reply)
	var a answer
	select {
	case a = <-reply:
	case <-ctx.Done():
		return 0, errNoAnswer
	}
	if a.err != nil {
		return 0, a.err
	}
	if a.res.Allowed == 0 && a.res.RetryAfter <= 0 {
		// Refused with nothing to wait for: asking again would spin.
		return 0, errBadReply
	}
	if l.down.Load() != nil && l.down.Swap(nil) != nil {
		l.logger.LogAttrs(ctx, slog.LevelInfo, "nexway rate limit shared through Redis again")
	}
	if a.res.Allowed > 0 {
		return 0, nil
	}
	// Replicas sharing the limit wait at most one interval (Period, as
	// Rate is 1): a longer wait comes from a key shared with another rate,
	// or from a look-alike, and is asked about again after one interval.
	return min(a.res.RetryAfter, l.limit.Period), nil
}

// allow sends redis_rate's answer to reply. redis_rate reads the reply
// with unchecked type assertions, so a Redis look-alike answering
// something else would panic in this goroutine, where no caller could
// recover it: that is an unexpected reply instead.
func (l *Limiter) allow(ctx context.Context, reply chan<- answer) {
	defer func() {
		if recover() != nil {
			reply <- answer{err: errBadReply}
		}
	}()
	res, err := l.gcra.Allow(ctx, l.key, l.limit)
	reply <- answer{res, err}
}

// outage returns Redis's failure while it is in force, or nil.
func (l *Limiter) outage() *outage {
	o := l.down.Load()
	if o == nil || !l.now().Before(o.until) {
		return nil
	}
	return o
}

// fail records a failure of Redis and returns it.
func (l *Limiter) fail(err error) *outage {
	o := &outage{
		until: l.now().Add(retryRedisAfter),
		err:   &unavailableError{reason: l.reason(err)},
	}
	if l.down.Swap(o) == nil {
		action := "failing requests"
		if l.fallback != nil {
			action = "limiting locally"
		}
		l.logger.LogAttrs(context.Background(), slog.LevelWarn, "nexway rate limit: Redis unavailable, "+action,
			slog.String("reason", o.err.reason), slog.Int("replicas", l.replicas))
	}
	return o
}

// waitLocally waits for the local fallback, or fails with o's error
// when there is none.
func (l *Limiter) waitLocally(ctx context.Context, o *outage) error {
	if l.fallback == nil {
		return o.err
	}
	if err := l.fallback.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// rate.Limiter refuses at once a wait that would pass the deadline.
		return errPastDeadline
	}
	return nil
}

// sleep waits d, or fails at once if d would pass ctx's deadline.
func (l *Limiter) sleep(ctx context.Context, d time.Duration) error {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return errPastDeadline
	}
	if l.sleeping != nil {
		l.sleeping(d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
