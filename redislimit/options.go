package redislimit

import (
	"log/slog"
	"math"
	"time"

	"github.com/nexway-go/nexway"
	"golang.org/x/time/rate"
)

// Defaults. The rate is the 10 requests/s Nexway documents for its API
// (https://github.com/NexwayGroup/nx-api-docs, docs/guides/99-rate_limits.md).
// A Redis on the same network answers in about a millisecond, so 100 ms is
// a stall, not a slow answer.
const (
	defaultRate     = 10
	defaultBurst    = 10
	defaultReplicas = 1
	defaultTimeout  = 100 * time.Millisecond
)

// The rates a GCRA period in nanoseconds can express with room to spare.
const (
	minRate rate.Limit = 1.0 / (24 * 60 * 60) // one a day
	maxRate rate.Limit = 1e6                  // one a microsecond
)

type config struct {
	rate     rate.Limit
	burst    int
	replicas int // 0: fail calls while Redis is unavailable
	timeout  time.Duration
	logger   *slog.Logger
}

func defaultConfig() config {
	return config{
		rate:     defaultRate,
		burst:    defaultBurst,
		replicas: defaultReplicas,
		timeout:  defaultTimeout,
		logger:   slog.New(slog.DiscardHandler),
	}
}

// Option configures a Limiter.
type Option func(*config) error

func invalid(field, reason string) error {
	return &nexway.ArgumentError{Field: field, Reason: reason}
}

// WithRate sets the limit every replica shares: r requests per second with
// bursts of burst (10/s, burst 10 by default, Nexway's documented limit).
// r must be between one a day and a million a second; rate.Inf is refused,
// as no limit needs no Redis: use nexway.WithRateLimit(rate.Inf, 0).
func WithRate(r rate.Limit, burst int) Option {
	return func(c *config) error {
		if math.IsNaN(float64(r)) || r < minRate || r > maxRate {
			return invalid("WithRate", "needs a rate between one a day and 1,000,000 a second")
		}
		if burst < 1 {
			return invalid("WithRate", "needs a burst of at least 1")
		}
		c.rate, c.burst = r, burst
		return nil
	}
}

// WithFallback sets what the limiter does while Redis is unavailable: it
// admits requests through a limiter local to this process at the shared
// rate and burst divided by replicas (the burst rounded down, at least 1).
// Set replicas to the number of replicas that share the limit, so that
// together they stay under it. This is the default, with replicas 1: see
// the package documentation for why.
func WithFallback(replicas int) Option {
	return func(c *config) error {
		if replicas < 1 {
			return invalid("WithFallback", "needs at least 1 replica")
		}
		c.replicas = replicas
		return nil
	}
}

// WithoutFallback makes Wait fail with an error matching
// ErrRedisUnavailable while Redis is unavailable, instead of limiting
// locally: no request is sent that the shared limit has not admitted.
func WithoutFallback() Option {
	return func(c *config) error { c.replicas = 0; return nil }
}

// WithRedisTimeout bounds one question to Redis (100 ms by default). A
// Redis that has not answered by then counts as unavailable. The context
// given to Wait bounds the whole wait as well, whichever ends first.
//
// Wait leaves a question it stops waiting for to finish in the
// background: go-redis ends it at its client's ReadTimeout (5 s by
// default), or at the timeout itself when the client has
// ContextTimeoutEnabled. Keep one of them, or a Redis that hangs keeps a
// goroutine per abandoned question.
func WithRedisTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("WithRedisTimeout", "needs a positive duration")
		}
		c.timeout = d
		return nil
	}
}

// WithLogger logs when Redis becomes unavailable (Warn) and when the
// limit is shared again (Info): one line per change, never per request.
// Silent by default. The lines name the kind of failure, never Redis's
// address or credentials.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return invalid("WithLogger", "needs a logger")
		}
		c.logger = l
		return nil
	}
}
