package redislimit

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Bad arguments are refused by New, naming the argument, before any
// question to Redis (none runs at this address).
func TestNewRefusesBadArguments(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: freeAddr(t)})
	t.Cleanup(func() { rdb.Close() })
	for _, tc := range []struct {
		field string
		rdb   redis.UniversalClient
		key   string
		opt   Option
	}{
		{"rdb", nil, "account", nil},
		{"key", rdb, "", nil},
		{"WithRate", rdb, "account", WithRate(0, 10)},
		{"WithRate", rdb, "account", WithRate(-1, 10)},
		{"WithRate", rdb, "account", WithRate(rate.Inf, 10)},
		{"WithRate", rdb, "account", WithRate(rate.Limit(math.NaN()), 10)},
		{"WithRate", rdb, "account", WithRate(2e6, 10)},
		{"WithRate", rdb, "account", WithRate(rate.Every(48*time.Hour), 10)},
		{"WithRate", rdb, "account", WithRate(10, 0)},
		{"WithFallback", rdb, "account", WithFallback(0)},
		{"WithRedisTimeout", rdb, "account", WithRedisTimeout(0)},
		{"WithLogger", rdb, "account", WithLogger(nil)},
	} {
		var opts []Option
		if tc.opt != nil {
			opts = append(opts, tc.opt)
		}
		l, err := New(tc.rdb, tc.key, opts...)
		var ae *nexway.ArgumentError
		if l != nil || !errors.Is(err, nexway.ErrInvalidArgument) || !errors.As(err, &ae) || ae.Field != tc.field {
			t.Errorf("%s: got %v, %v; want an argument error naming it", tc.field, l, err)
		}
	}
}

// The defaults are Nexway's 10/s, burst 10, a fallback for one replica
// and a 100 ms question; the fallback divides rate and burst by N.
func TestConfiguration(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: freeAddr(t)})
	t.Cleanup(func() { rdb.Close() })
	for _, tc := range []struct {
		name          string
		opts          []Option
		interval      time.Duration
		burst         int
		fallback      rate.Limit
		fallbackBurst int
		timeout       time.Duration
	}{
		{"defaults", nil, 100 * time.Millisecond, 10, 10, 10, 100 * time.Millisecond},
		{"3 replicas", []Option{WithFallback(3)}, 100 * time.Millisecond, 10, 10.0 / 3, 3, 100 * time.Millisecond},
		{"more replicas than burst", []Option{WithRate(4, 2), WithFallback(8)}, 250 * time.Millisecond, 2, 0.5, 1, 100 * time.Millisecond},
		{"no fallback", []Option{WithFallback(3), WithoutFallback(), WithRedisTimeout(time.Second)}, 100 * time.Millisecond, 10, 0, 0, time.Second},
	} {
		l := newLimiter(t, rdb, "account", tc.opts...)
		if l.limit.Period/time.Duration(l.limit.Rate) != tc.interval || l.limit.Burst != tc.burst || l.timeout != tc.timeout {
			t.Errorf("%s: limit %v, timeout %v", tc.name, l.limit, l.timeout)
		}
		switch {
		case tc.fallback == 0 && l.fallback != nil:
			t.Errorf("%s: a fallback of %v", tc.name, l.fallback.Limit())
		case tc.fallback != 0 && (l.fallback == nil || l.fallback.Limit() != tc.fallback || l.fallback.Burst() != tc.fallbackBurst):
			t.Errorf("%s: fallback %v, want %v burst %d", tc.name, l.fallback, tc.fallback, tc.fallbackBurst)
		}
	}
}

// Error texts name the kind of failure only.
func TestReplyKind(t *testing.T) {
	for msg, want := range map[string]string{
		"WRONGPASS invalid username-password pair": "WRONGPASS",
		"LOADING Redis is loading":                 "LOADING",
		"oops":                                     "(unnamed)",
		"":                                         "(unnamed)",
		strings.Repeat("A", 100):                   strings.Repeat("A", 32),
	} {
		if got := replyKind(msg); got != want {
			t.Errorf("replyKind(%q) = %q, want %q", msg, got, want)
		}
	}
}
