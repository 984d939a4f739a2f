package nexway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// hostileObserver writes into everything it is given and returns contexts
// without the caller's limits.
type hostileObserver struct {
	mu   sync.Mutex
	seen []string // everything it was given, for the secret search
}

type hostileKey struct{}

func (h *hostileObserver) note(v ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, x := range v {
		h.seen = append(h.seen, strings.TrimSpace(strings.Join(strings.Fields(fmtAny(x)), " ")))
	}
}

func (h *hostileObserver) StartCall(ctx context.Context, c CallInfo) context.Context {
	h.note(c)
	c.Path, c.Operation = "/hacked", "Hacked"
	return context.WithValue(context.WithoutCancel(ctx), hostileKey{}, "call")
}

func (h *hostileObserver) StartAttempt(ctx context.Context, a AttemptInfo) context.Context {
	h.note(a)
	a.Attempt, a.Path = 99, "/hacked"
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Hour)
	_ = cancel // leaked on purpose: the hook's limits must not matter
	return context.WithValue(ctx, hostileKey{}, "attempt")
}

func (h *hostileObserver) EndAttempt(_ context.Context, _ AttemptInfo, r AttemptResult) {
	h.note(r)
	var e *mutableError
	if errors.As(r.Err, &e) {
		e.msg = "hacked"
	}
	r.Err = nil
}

func (h *hostileObserver) EndCall(_ context.Context, _ CallInfo, r CallResult) {
	h.note(r)
	var e *APIError
	if errors.As(r.Err, &e) {
		e.ResponseCode, e.Meaning, e.Attempts, e.HTTPStatus, e.Path = 999, "hacked", -1, 299, "/hacked"
		e.Err = errors.New("hacked")
	}
	var a *ArgumentError
	if errors.As(r.Err, &a) {
		a.Field, a.Reason = "hacked", "hacked"
	}
}

// mutableError is a transport error whose text a hook could change if it
// were handed the caller's.
type mutableError struct{ msg string }

func (e *mutableError) Error() string { return e.msg }

// An observer that mutates what it gets changes nothing the caller sees.
func TestHostileObserverChangesNothing(t *testing.T) {
	t.Parallel()
	run := func(o Observer) (string, *APIError) {
		m := newMock(t, WithObserver(o))
		m.RegisterResponder(http.MethodPut, testBase+"connect/order/cancel", sequence(
			func(*http.Request) (*http.Response, error) { return nil, &mutableError{"connection reset"} },
			respond(200, `{"responseCode":1044,"responseMessage":"refused"}`, nil)))
		_, err := m.c.Orders.Cancel(bg, "P1", ReasonOrderCancelled, "")
		if err == nil {
			t.Fatal("no error")
		}
		return err.Error(), apiErrorOf(t, err)
	}
	plain, plainErr := run(&callLog{})
	hostile, hostileErr := run(&hostileObserver{})
	if hostile != plain || strings.Contains(hostile, "hacked") {
		t.Errorf("with a hostile observer the caller got\n%s\nwithout\n%s", hostile, plain)
	}
	if hostileErr.ResponseCode != 1044 || hostileErr.Attempts != 2 || hostileErr.HTTPStatus != 200 || !errors.Is(hostileErr, ErrAmbiguous) {
		t.Errorf("caller's error changed: %+v", hostileErr)
	}
	_ = plainErr
}

// The caller's deadline bounds the call however the hooks' contexts drop
// it, and the hooks' values still reach the request.
func TestHostileObserverKeepsTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, WithObserver(&hostileObserver{}), WithTimeout(4*time.Second))
		values := make(chan any, 10)
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", func(r *http.Request) (*http.Response, error) {
			values <- r.Context().Value(hostileKey{})
			<-r.Context().Done()
			return nil, r.Context().Err()
		})
		ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := m.c.Orders.Get(ctx, "P1")
		if d := time.Since(start); d != 300*time.Millisecond || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a call with a 300ms deadline ran %v and got %v", d, err)
		}
		synctest.Wait()
		if n := len(values); n != 1 || <-values != "attempt" {
			t.Errorf("%d requests, or the attempt hook's values missing from them", n)
		}

		// Cancellation likewise.
		ctx, cancel = context.WithCancel(bg)
		time.AfterFunc(100*time.Millisecond, cancel)
		start = time.Now()
		_, err = m.c.Orders.Get(ctx, "P1")
		if d := time.Since(start); d != 100*time.Millisecond || !errors.Is(err, context.Canceled) {
			t.Errorf("a call cancelled after 100ms ran %v and got %v", d, err)
		}
	})
}

// A per-call territory secret is scrubbed from what the first hook sees,
// in the path of a raw call too.
func TestObserverNeverSeesTheCallsSecrets(t *testing.T) {
	t.Parallel()
	const territory = "Terr1t0rySecret"
	h := &hostileObserver{}
	m := newMock(t, WithObserver(h), WithSecret(canarySecret))
	m.RegisterNoResponder(echo(500))
	_, _ = m.c.Do(bg, &RawRequest{Method: http.MethodGet, Path: "connect/territory/" + territory + "/orders"}, WithTerritorySecret(territory))
	r := sampleOrder()
	r.Customer.Email = canaryEmail
	_, _ = m.c.Orders.Create(bg, r, WithTerritorySecret(territory))
	_, _ = m.c.Downloads.Extend(bg, "P1", ExtendBy(time.Hour), WithTerritorySecret(territory))
	if len(h.seen) < 10 {
		t.Fatalf("the observer saw %d things", len(h.seen))
	}
	for _, s := range h.seen {
		for _, c := range []string{territory, canarySecret, canaryEmail, "canary.shopper"} {
			if strings.Contains(strings.ToLower(s), strings.ToLower(c)) {
				t.Errorf("%q reached the observer: %s", c, s)
			}
		}
	}
}

func fmtAny(v any) string { return fmt.Sprintf("%+v", v) }
