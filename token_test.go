package nexway

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// authLog answers stock requests and records the Authorization they carried.
type authLog struct {
	mu   sync.Mutex
	seen []string
}

func (a *authLog) respond(r *http.Request) (*http.Response, error) {
	a.mu.Lock()
	a.seen = append(a.seen, r.Header.Get("Authorization"))
	a.mu.Unlock()
	return respondNow(200, stockOK), nil
}

func stock(t *testing.T, c *Client) {
	t.Helper()
	if _, err := c.Stock.Status(bg, []ProductRef{1}); err != nil {
		t.Fatal(err)
	}
}

func TestTokenCachedThenRefreshedThenRenewed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, withCreds)
		var a authLog
		m.RegisterResponder(http.MethodPost, testBase+"connect/stock", a.respond)

		stock(t, m.c)
		stock(t, m.c)
		time.Sleep(269 * time.Second) // within expires_in (300 s) minus the 30 s margin
		stock(t, m.c)
		time.Sleep(2 * time.Second) // past the margin: refresh_token grant
		stock(t, m.c)
		time.Sleep(1800 * time.Second) // refresh token expired too: client_credentials again
		stock(t, m.c)

		if want := []string{"client_credentials", "refresh_token", "client_credentials"}; !reflect.DeepEqual(m.tokens.grantList(), want) {
			t.Errorf("grants %v, want %v", m.tokens.grantList(), want)
		}
		if want := []string{"Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-2", "Bearer tok-3"}; !reflect.DeepEqual(a.seen, want) {
			t.Errorf("Authorization %v, want %v", a.seen, want)
		}
	})
}

// A refresh the IAM refuses falls back to client_credentials.
func TestTokenRefreshRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, withCreds)
		m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, nil))
		grants := 0
		m.RegisterResponder(http.MethodPost, testBase+"iam/tokens", func(r *http.Request) (*http.Response, error) {
			grants++
			if jsonBody(t, r)["grantType"] == "refresh_token" {
				return respondNow(401, `{"error":"invalid_grant"}`), nil
			}
			return m.tokens.respond(r)
		})
		stock(t, m.c)
		time.Sleep(280 * time.Second)
		stock(t, m.c)
		if grants != 3 {
			t.Errorf("%d token requests, want 3 (credentials, refused refresh, credentials)", grants)
		}
	})
}

func TestTokenSharedByConcurrentCallers(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, withCreds)
		m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, nil))
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() { stock(t, m.c) })
		}
		wg.Wait()
		if n := m.tokens.count(); n != 1 {
			t.Errorf("%d token requests for 100 concurrent callers, want 1", n)
		}
		if n := m.calls(http.MethodPost, "connect/stock"); n != 100 {
			t.Errorf("%d API calls, want 100", n)
		}
	})
}

// On 401 the client gets one new token and resends once.
func TestUnauthorizedRefreshesOnce(t *testing.T) {
	t.Parallel()
	m := newMock(t, withCreds)
	var a authLog
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", sequence(
		func(r *http.Request) (*http.Response, error) {
			a.respond(r)
			return respondNow(401, `{"error":"invalid_token"}`), nil
		},
		a.respond))
	stock(t, m.c)
	if want := []string{"Bearer tok-1", "Bearer tok-2"}; !reflect.DeepEqual(a.seen, want) {
		t.Errorf("Authorization %v, want %v", a.seen, want)
	}
	if want := []string{"client_credentials", "refresh_token"}; !reflect.DeepEqual(m.tokens.grantList(), want) {
		t.Errorf("grants %v, want %v", m.tokens.grantList(), want)
	}

	// A second 401 in a row is final.
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(401, `{"error":"invalid_token"}`, nil))
	m.ZeroCallCounters()
	_, err := m.c.Stock.Status(bg, []ProductRef{1})
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("%v, want ErrUnauthorized", err)
	}
	if n := m.calls(http.MethodPost, "connect/stock"); n != 2 {
		t.Errorf("%d calls, want 2 (one resend)", n)
	}
}

// Bad credentials fail before any API request, without leaking the secret.
func TestTokenRefused(t *testing.T) {
	t.Parallel()
	m := newMock(t, withCreds)
	m.tokens.fail = 401
	_, err := m.c.Orders.Create(bg, sampleOrder())
	if !errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrAmbiguous) {
		t.Fatalf("%v, want ErrUnauthorized, not ambiguous", err)
	}
	if strings.Contains(err.Error(), testClient) {
		t.Errorf("error %q leaks the client secret", err)
	}
	if n := m.calls(http.MethodPost, "connect/order/new"); n != 0 {
		t.Errorf("%d orders sent without a token", n)
	}
	if n := m.tokens.count(); n != 1 {
		t.Errorf("%d token requests, want 1: a refused grant is not retried", n)
	}
}

// An IAM outage is retried, for every operation: nothing was sent.
func TestTokenUnavailableRetried(t *testing.T) {
	t.Parallel()
	m := newMock(t, withCreds)
	m.tokens.fail = 503
	_, err := m.c.Orders.Create(bg, sampleOrder())
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrAmbiguous) {
		t.Fatalf("%v, want ErrUnavailable, not ambiguous", err)
	}
	if n := m.tokens.count(); n != 4 {
		t.Errorf("%d token requests, want 4", n)
	}
}

// Without credentials only the secret is sent.
func TestNoCredentialsNoToken(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, func(r *http.Request) {
		checkHeaders(t, r, "", true)
	}))
	stock(t, m.c)
	if n := m.tokens.count(); n != 0 {
		t.Errorf("%d token requests without credentials", n)
	}
}

func TestTerritorySecretAndHeaders(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, func(r *http.Request) {
		if r.Header.Get("secret") != "ukSecret9" || r.Header.Get("X-Trace") != "abc" {
			t.Errorf("headers %v", r.Header)
		}
	}))
	if _, err := m.c.Stock.Status(bg, []ProductRef{1}, WithTerritorySecret("ukSecret9"), WithHeader("x-trace", "abc")); err != nil {
		t.Fatal(err)
	}
	for _, o := range []CallOption{WithTerritorySecret(""), WithTerritorySecret("has space"), WithHeader("Authorization", "x"),
		WithHeader("secret", "x"), WithHeader("X-A", "a\r\nb"), WithHeader("", "x")} {
		_, err := m.c.Stock.Status(bg, []ProductRef{1}, o)
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("bad call option accepted: %v", err)
		}
	}
}

// 1,000 callers arriving when the token has just expired share one
// refresh.
func TestTokenRefreshSharedAtExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, withCreds)
		m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, nil))
		stock(t, m.c)
		time.Sleep(275 * time.Second) // past expires_in minus the margin
		// The refresh is held until every caller is waiting, so that they
		// all arrive while it is in flight.
		release := make(chan struct{})
		m.RegisterResponder(http.MethodPost, testBase+"iam/tokens", func(r *http.Request) (*http.Response, error) {
			<-release
			return m.tokens.respond(r)
		})
		var wg sync.WaitGroup
		for range 1000 {
			wg.Go(func() {
				if _, err := m.c.Stock.Status(bg, []ProductRef{1}); err != nil {
					t.Error(err)
				}
			})
		}
		synctest.Wait()
		close(release)
		wg.Wait()
		if want := []string{"client_credentials", "refresh_token"}; !reflect.DeepEqual(m.tokens.grantList(), want) {
			t.Errorf("grants %v, want %v: one refresh for 1,000 callers", m.tokens.grantList(), want)
		}
	})
}

// Whatever lifetime IAM announces, the token is cached for a bounded,
// sensible time: not refetched on every call, not kept for ever.
func TestTokenLifetimesAreSane(t *testing.T) {
	for _, exp := range []string{`1e20`, `99999999999999999999`, `9223372036854775807`, `0`, `-300`, `"300"`, `null`, `"abc"`, `300.5`, `{}`} {
		t.Run(exp, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMock(t, withCreds)
				fetches := 0
				m.RegisterResponder(http.MethodPost, testBase+"iam/tokens", func(*http.Request) (*http.Response, error) {
					fetches++
					return respondNow(200, `{"access_token":"tok","expires_in":`+exp+`,"refresh_expires_in":`+exp+`}`), nil
				})
				m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, nil))
				for range 5 {
					stock(t, m.c)
					time.Sleep(time.Second)
				}
				if fetches != 1 {
					t.Errorf("%d token fetches for 5 calls in 5 s, want 1", fetches)
				}
				time.Sleep(maxAccessTTL)
				stock(t, m.c)
				if fetches != 2 {
					t.Errorf("%d token fetches after an hour, want 2: a token is not kept for ever", fetches)
				}
			})
		})
	}
}
