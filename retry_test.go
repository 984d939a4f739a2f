package nexway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// stamps records when each request arrived.
type stamps struct {
	mu sync.Mutex
	at []time.Time
}

func (s *stamps) record(*http.Request) {
	s.mu.Lock()
	s.at = append(s.at, time.Now())
	s.mu.Unlock()
}

func (s *stamps) gaps() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var g []time.Duration
	for i := 1; i < len(s.at); i++ {
		g = append(g, s.at[i].Sub(s.at[i-1]))
	}
	return g
}

const stockOK = `{"responseCode":0,"responseMessage":"OK","productStatus":[{"productRef":1,"status":100}]}`

// Backoff doubles from MinWait and is jittered within [d/2, d].
func TestBackoffSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, WithRetryPolicy(DefaultRetryPolicy()))
		var s stamps
		m.RegisterResponder(http.MethodPost, testBase+"connect/stock", sequence(
			respond(503, "", s.record), respond(503, "", s.record), respond(503, "", s.record), respond(200, stockOK, s.record)))
		if _, err := m.c.Stock.Status(bg, []ProductRef{1}); err != nil {
			t.Fatal(err)
		}
		gaps := s.gaps()
		if len(gaps) != 3 {
			t.Fatalf("%d retries, want 3", len(gaps))
		}
		for i, g := range gaps {
			d := 500 * time.Millisecond << i
			if g < d/2 || g > d {
				t.Errorf("wait %d = %v, want within [%v, %v]", i, g, d/2, d)
			}
		}
	})
}

// Reads are retried on 503, 429 and transport errors; exhausting the
// retries gives the last answer's typed error.
func TestSafeOperationsRetried(t *testing.T) {
	t.Parallel()
	for name, fail := range map[string]func(*http.Request) (*http.Response, error){
		"503": func(*http.Request) (*http.Response, error) { return respondNow(503, "<html>down</html>"), nil },
		"429": func(*http.Request) (*http.Response, error) { return respondNow(429, ""), nil },
		"reset": func(*http.Request) (*http.Response, error) {
			return nil, &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}
		},
		"cut body": func(*http.Request) (*http.Response, error) { return nil, io.ErrUnexpectedEOF },
		"refused": func(*http.Request) (*http.Response, error) {
			return nil, &net.OpError{Op: "dial", Err: errors.New("connection refused")}
		},
		"no resolve": func(*http.Request) (*http.Response, error) {
			return nil, &net.DNSError{Err: "no such host", Name: "api.test"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodPost, testBase+"connect/stock", sequence(fail, fail, respond(200, stockOK, nil)))
			var meta Response
			if _, err := m.c.Stock.Status(bg, []ProductRef{1}, WithResponse(&meta)); err != nil {
				t.Fatal(err)
			}
			if n := m.calls(http.MethodPost, "connect/stock"); n != 3 || meta.Attempts != 3 || meta.HTTPStatus != 200 {
				t.Errorf("%d calls, metadata %+v; want 3 attempts", n, meta)
			}

			m.RegisterResponder(http.MethodPost, testBase+"connect/stock", fail)
			_, err := m.c.Stock.Status(bg, []ProductRef{1})
			e := apiErrorOf(t, err)
			if e.Attempts != 4 {
				t.Errorf("gave up after %d attempts, want 4", e.Attempts)
			}
			if !errors.Is(err, ErrUnavailable) && !errors.Is(err, ErrRateLimited) {
				t.Errorf("exhausted retries: %v", err)
			}
		})
	}
}

// Renewing may not be repeated: a failure after the request may have been
// processed is not retried, but one where nothing was sent is.
func TestUnsafeOperationRetriedOnlyWhenNothingWasProcessed(t *testing.T) {
	t.Parallel()
	renew := func(c *Client) error { _, err := c.Subscriptions.Renew(bg, "P1", 1); return err }
	for _, tc := range []struct {
		name      string
		fail      func(*http.Request) (*http.Response, error)
		calls     int
		ambiguous bool
	}{
		{"503", func(*http.Request) (*http.Response, error) { return respondNow(503, ""), nil }, 1, true},
		{"500", func(*http.Request) (*http.Response, error) { return respondNow(500, ""), nil }, 1, true},
		{"reset", func(*http.Request) (*http.Response, error) { return nil, io.ErrUnexpectedEOF }, 1, true},
		{"429", func(*http.Request) (*http.Response, error) { return respondNow(429, ""), nil }, 4, false},
		{"refused", func(*http.Request) (*http.Response, error) {
			return nil, &net.OpError{Op: "dial", Err: errors.New("refused")}
		}, 4, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodPut, testBase+"connect/subscription/renew", tc.fail)
			err := renew(m.c)
			if n := m.calls(http.MethodPut, "connect/subscription/renew"); n != tc.calls {
				t.Errorf("%d calls, want %d", n, tc.calls)
			}
			if errors.Is(err, ErrAmbiguous) != tc.ambiguous {
				t.Errorf("ambiguous = %v, want %v: %v", errors.Is(err, ErrAmbiguous), tc.ambiguous, err)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, WithRetryPolicy(DefaultRetryPolicy()))
		var s stamps
		limited := func(r *http.Request) (*http.Response, error) {
			s.record(r)
			resp := respondNow(429, "")
			resp.Header.Set("Retry-After", "7")
			return resp, nil
		}
		// 429 means not processed: even Create is resent.
		m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", sequence(limited, respond(200, orderSample, s.record)))
		if _, err := m.c.Orders.Create(bg, sampleOrder()); err != nil {
			t.Fatal(err)
		}
		if g := s.gaps(); len(g) != 1 || g[0] != 7*time.Second {
			t.Errorf("waits %v, want [7s]", g)
		}
	})
}

// A Retry-After above the cap ends the call at once with the wait to honour.
func TestRetryAfterCapped(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, WithRetryPolicy(DefaultRetryPolicy()))
		m.RegisterResponder(http.MethodPost, testBase+"connect/stock", func(*http.Request) (*http.Response, error) {
			resp := respondNow(429, "")
			resp.Header.Set("Retry-After", "3600")
			return resp, nil
		})
		start := time.Now()
		_, err := m.c.Stock.Status(bg, []ProductRef{1})
		if !errors.Is(err, ErrRateLimited) {
			t.Fatalf("%v, want ErrRateLimited", err)
		}
		if e := apiErrorOf(t, err); e.RetryAfter != time.Hour || e.Attempts != 1 {
			t.Errorf("RetryAfter %v after %d attempts, want 1h after 1", e.RetryAfter, e.Attempts)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("waited %v", d)
		}
	})
}

func TestRetryAfterAsDate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		resp := respondNow(503, "")
		resp.Header.Set("Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
		if d, ok := retryAfter(resp); !ok || d != 90*time.Second {
			t.Errorf("Retry-After date = %v, %v", d, ok)
		}
		resp.Header.Set("Retry-After", "soon")
		if _, ok := retryAfter(resp); ok {
			t.Error("unparseable Retry-After accepted")
		}
	})
}

func TestCancelDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, WithRetryPolicy(DefaultRetryPolicy()))
		m.RegisterResponder(http.MethodPost, testBase+"connect/stock", func(*http.Request) (*http.Response, error) {
			resp := respondNow(503, "")
			resp.Header.Set("Retry-After", "20")
			return resp, nil
		})
		ctx, cancel := context.WithCancel(bg)
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		_, err := m.c.Stock.Status(ctx, []ProductRef{1})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%v, want context.Canceled", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("returned after %v, want 1s", d)
		}
	})
}

// An attempt that hangs is cut by the per-attempt timeout, then retried.
func TestAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, WithTimeout(5*time.Second), WithRetryPolicy(RetryPolicy{MaxRetries: 1, MaxRetryAfter: time.Minute}))
		hang := func(r *http.Request) (*http.Response, error) {
			<-r.Context().Done()
			return nil, r.Context().Err()
		}
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", sequence(hang, respond(200, orderSample, nil)))
		start := time.Now()
		if _, err := m.c.Orders.Get(bg, "P1"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("took %v, want the 5s timeout", d)
		}
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", hang)
		_, err := m.c.Orders.Get(bg, "P1")
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrUnavailable) {
			t.Errorf("%v, want a deadline error", err)
		}
	})
}

func TestWithoutRetries(t *testing.T) {
	t.Parallel()
	m := newMock(t, WithoutRetries())
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(503, "", nil))
	if _, err := m.c.Stock.Status(bg, []ProductRef{1}); !errors.Is(err, ErrUnavailable) {
		t.Fatal(err)
	}
	if n := m.calls(http.MethodPost, "connect/stock"); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

func TestRetryPolicyValidation(t *testing.T) {
	for _, p := range []RetryPolicy{{MaxRetries: -1}, {MinWait: time.Second, MaxWait: time.Millisecond}, {MinWait: -1}, {MaxRetryAfter: -1}} {
		if _, err := NewClient(WithRetryPolicy(p)); err == nil {
			t.Errorf("policy %+v accepted", p)
		}
	}
}
