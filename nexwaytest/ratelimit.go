package nexwaytest

import (
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// rateLimits is Nexway's request limit as the fake enforces it: a token
// bucket per secret, on the wall clock. Guarded by Server.mu.
type rateLimits struct {
	limit   rate.Limit // 0: off
	burst   int
	buckets map[string]*rate.Limiter // per accepted secret, made on first use
	refused map[string]int           // per secret, since start or ResetRequests
}

// newRateLimits returns limits of r requests a second with bursts of burst;
// off for r ≤ 0, NaN or rate.Inf, and a burst under 1 counts as 1.
func newRateLimits(r rate.Limit, burst int, refused map[string]int) rateLimits {
	if math.IsNaN(float64(r)) || r <= 0 || r == rate.Inf {
		r = 0
	}
	if refused == nil {
		refused = map[string]int{}
	}
	return rateLimits{limit: r, burst: max(burst, 1), buckets: map[string]*rate.Limiter{}, refused: refused}
}

// WithEnforcedRateLimit starts the fake enforcing Nexway's request limit:
// at most r requests a second per secret, in bursts of up to burst, as
// SetRateLimit describes; unlike nexway.WithRateLimit, which paces the
// client, it refuses requests at the server. WithEnforcedRateLimit(10, 10)
// is the limit of 10
// requests a second that Nexway documents for its Monetize API, in the
// rate-limit guide of https://github.com/NexwayGroup/nx-api-docs, and
// that a client should assume for Connect, where Nexway documents none.
// The fake enforces no limit by default, so that tests run at full speed.
// It refuses a rate that is not positive and finite (leave the option out
// for no limit) and a burst under 1.
func WithEnforcedRateLimit(r rate.Limit, burst int) Option {
	return func(c *config) error {
		if math.IsNaN(float64(r)) || r <= 0 || r == rate.Inf || burst < 1 {
			return refuse("WithEnforcedRateLimit", "needs a positive, finite rate and a burst of at least 1")
		}
		c.rateLimit, c.rateBurst = r, burst
		return nil
	}
}

// SetRateLimit makes the fake enforce a request limit from now on: at most
// r requests a second per `secret` header value (per account, as Nexway
// counts), in bursts of up to burst, on the /connect routes. A request
// over the limit is answered 429 Too Many Requests with a Retry-After of
// the wait until the next one fits, in whole seconds rounded up (at least
// 1, at most a year), and is not processed; RateLimited and Counts count it, and the
// request log marks it (LoggedRequest.RateLimited).
//
// The limit runs on the wall clock (LoggedRequest.WallTime), not on the
// fake's clock, which holds business dates and moves only with Advance.
// Each secret starts with a full burst, and so does every secret after a
// call of SetRateLimit. Only the secrets the fake accepts are counted: a
// request with a missing or unknown secret is refused (codes 70 and 71)
// whatever the limit. The IAM token routes are not limited; Nexway does not
// say whether they are.
//
// r ≤ 0, NaN or rate.Inf turns the limit off, which is the default, and a
// burst under 1 counts as 1.
func (s *Server) SetRateLimit(r rate.Limit, burst int) {
	s.mu.Lock()
	s.limits = newRateLimits(r, burst, s.limits.refused)
	s.mu.Unlock()
}

// RateLimited returns how many requests the rate limit (SetRateLimit,
// WithEnforcedRateLimit) refused, per secret, since the server started or
// ResetRequests was last called. The map is a copy the caller may keep.
func (s *Server) RateLimited() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.limits.refused)
}

// overLimit answers 429 for a /connect request that the rate limit
// refuses, records the refusal, and reports whether it did.
func (s *Server) overLimit(w http.ResponseWriter, r *http.Request, route Route, entry *LoggedRequest) bool {
	if !isConnect(route) {
		return false
	}
	secret := r.Header.Get("secret")
	s.mu.Lock()
	l := &s.limits
	if l.limit == 0 || !slices.Contains(s.cfg.secrets, secret) {
		s.mu.Unlock()
		return false
	}
	b := l.buckets[secret]
	if b == nil {
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[secret] = b
	}
	now := entry.WallTime
	if b.AllowN(now, 1) {
		s.mu.Unlock()
		return false
	}
	// Capped so that a rate of one a century still fits a Duration.
	wait := time.Duration(min((1-b.TokensAt(now))/float64(l.limit), maxRetryAfterSeconds) * float64(time.Second))
	l.refused[secret]++
	entry.RateLimited = true
	entry.Status = http.StatusTooManyRequests
	c := s.counts[route]
	c.RateLimited++
	s.counts[route] = c
	s.mu.Unlock()
	writeTooManyRequests(w, wait)
	return true
}

// maxRetryAfterSeconds bounds the Retry-After of the limit: a year.
const maxRetryAfterSeconds = 365 * 24 * 60 * 60

// writeTooManyRequests answers 429 with a Retry-After of d in whole
// seconds, rounded up, and at least 1.
func writeTooManyRequests(w http.ResponseWriter, d time.Duration) {
	secs := max(1, int64((d+time.Second-1)/time.Second))
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	writeHTML(w, http.StatusTooManyRequests)
}
