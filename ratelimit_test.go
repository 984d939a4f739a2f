package nexway

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"
)

// N calls at rate r with burst b take (N-b)/r.
func TestRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, WithRateLimit(10, 5))
		m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, nil))
		start := time.Now()
		for range 25 {
			if _, err := m.c.Stock.Status(bg, []ProductRef{1}); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Errorf("25 calls at 10/s burst 5 took %v, want 2s", d)
		}
	})
}

// Retries take a token too: the limiter sits under the retry loop.
func TestRateLimitCoversRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, WithRateLimit(1, 1))
		m.RegisterResponder(http.MethodPost, testBase+"connect/stock", sequence(respond(503, "", nil), respond(503, "", nil), respond(200, stockOK, nil)))
		start := time.Now()
		if _, err := m.c.Stock.Status(bg, []ProductRef{1}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Errorf("3 attempts at 1/s took %v, want 2s", d)
		}
	})
}

// The default limit is 10/s with a burst of 10.
func TestDefaultRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		c, err := NewClient(WithBaseURL(testBase), WithTransport(m), WithSecret(testSecret))
		if err != nil {
			t.Fatal(err)
		}
		m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, nil))
		start := time.Now()
		for range 30 {
			if _, err := c.Stock.Status(bg, []ProductRef{1}); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Errorf("30 calls took %v, want 2s", d)
		}
	})
}

// A wait that would pass the deadline fails at once as a deadline error.
func TestRateLimitDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, WithRateLimit(rate.Every(time.Minute), 1))
		m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, nil))
		if _, err := m.c.Stock.Status(bg, []ProductRef{1}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		start := time.Now()
		_, err := m.c.Stock.Status(ctx, []ProductRef{1})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%v, want context.DeadlineExceeded", err)
		}
		if time.Since(start) != 0 || m.calls(http.MethodPost, "connect/stock") != 1 {
			t.Error("the limiter waited or sent a request it could not afford")
		}
	})
}

type countingLimiter struct{ n int }

func (l *countingLimiter) Wait(context.Context) error { l.n++; return nil }

func TestCustomRateLimiter(t *testing.T) {
	t.Parallel()
	l := &countingLimiter{}
	m := newMock(t, WithRateLimiter(l))
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", sequence(respond(503, "", nil), respond(200, stockOK, nil)))
	if _, err := m.c.Stock.Status(bg, []ProductRef{1}); err != nil {
		t.Fatal(err)
	}
	if l.n != 2 {
		t.Errorf("limiter consulted %d times, want once per attempt (2)", l.n)
	}
	for _, o := range []Option{WithRateLimiter(nil), WithRateLimit(0, 1), WithRateLimit(10, 0)} {
		if _, err := NewClient(o); err == nil {
			t.Error("invalid rate limit accepted")
		}
	}
}

type failingLimiter struct{ err error }

func (l failingLimiter) Wait(context.Context) error { return l.err }

// A limiter's own failure (a shared store down) stays the error, even
// when the call has a deadline: only rate.Limiter's early refusal is taken
// for the deadline.
func TestLimiterFailureIsNotADeadline(t *testing.T) {
	t.Parallel()
	storeDown := errors.New("limit store unavailable")
	m := newMock(t, WithRateLimiter(failingLimiter{storeDown}))
	ctx, cancel := context.WithTimeout(bg, time.Hour)
	defer cancel()
	_, err := m.c.Stock.Status(ctx, []ProductRef{1})
	if !errors.Is(err, storeDown) || !errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v: want the limiter's error, as ErrUnavailable", err)
	}
	if m.GetTotalCallCount() != 0 {
		t.Error("a request went out")
	}
}

// net/http resends a GET by itself when its reused connection closes
// before an answer, below the client's layers; the server may have counted
// the first send, so the resend takes a token too and counts as a request.
func TestTransportResendTakesAToken(t *testing.T) {
	t.Parallel()
	wr := newWire(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 2 { // the second request, on the first one's connection
			cut(w)
			return
		}
		writeJSON(w, 200, sampleOrderJSON)
	})
	l := &countingLimiter{}
	c := wr.client(t, WithRateLimiter(l))
	if _, err := c.Orders.Get(bg, "PARTNER689"); err != nil {
		t.Fatal(err)
	}
	var resp Response
	if _, err := c.Orders.Get(bg, "PARTNER689", WithResponse(&resp)); err != nil {
		t.Fatal(err)
	}
	sent := wr.count(http.MethodGet, "connect/order/PARTNER689")
	if sent != 3 {
		t.Fatalf("the server saw %d requests, want 3 (net/http resent the cut one)", sent)
	}
	if l.n != sent {
		t.Errorf("the limiter gave %d tokens for %d requests", l.n, sent)
	}
	if resp.Attempts != 2 {
		t.Errorf("Response.Attempts = %d, want 2: the resend is a request", resp.Attempts)
	}
}
