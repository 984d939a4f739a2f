package nexway

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// recorder is an Observer that writes down what it sees.
type recorder struct {
	mu     sync.Mutex
	events []string
	texts  []string // everything it was given, for the canary search
	panics string   // the hook that panics, if any
	block  chan struct{}
}

type ctxKey string

func (r *recorder) add(hook, event string, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event)
	r.texts = append(r.texts, fmt.Sprintf("%+v", v))
	if hook == r.panics {
		panic("observer bug")
	}
}

func (r *recorder) StartCall(ctx context.Context, c CallInfo) context.Context {
	r.add("StartCall", "call "+c.Operation+" "+c.Method+" "+c.Path, c)
	return context.WithValue(ctx, ctxKey("call"), c.Operation)
}

func (r *recorder) StartAttempt(ctx context.Context, a AttemptInfo) context.Context {
	if ctx.Value(ctxKey("call")) == nil {
		r.add("", "attempt without the call's context", a)
	}
	event := fmt.Sprintf("attempt %d", a.Attempt)
	if a.Part != "" {
		event += " (" + a.Part + " " + a.Operation + " " + a.Method + " " + a.Path + ")"
	}
	r.add("StartAttempt", event, a)
	return context.WithValue(ctx, ctxKey("attempt"), a.Attempt)
}

func (r *recorder) EndAttempt(ctx context.Context, a AttemptInfo, res AttemptResult) {
	if ctx.Value(ctxKey("attempt")) != a.Attempt {
		r.add("", "end without the attempt's context", a)
	}
	if r.block != nil {
		<-r.block
	}
	r.add("EndAttempt", fmt.Sprintf("end %d: HTTP %d code %d retry %v (%s) maybe %v", a.Attempt, res.HTTPStatus, res.ResponseCode, res.Retry, res.RetryReason, res.MaybeProcessed), res)
}

func (r *recorder) EndCall(ctx context.Context, c CallInfo, res CallResult) {
	event := fmt.Sprintf("done %s: %d attempts, HTTP %d code %d ambiguous %v err %v", c.Operation, res.Attempts, res.HTTPStatus, res.ResponseCode, res.Ambiguous, res.Err != nil)
	if res.ReadBacks > 0 {
		event += fmt.Sprintf(" (%d read back)", res.ReadBacks)
	}
	r.add("EndCall", event, res)
}

func (r *recorder) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.events, "\n")
}

func TestObserverSeesCallsAndAttempts(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	m := newMock(t, withCreds, WithObserver(rec))
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", sequence(
		respond(401, `{}`, nil), respond(503, `{}`, nil), respond(200, `{"responseCode":0,"productStatus":[{"productRef":1,"status":100}]}`, nil)))
	if _, err := m.c.Stock.Status(bg, []ProductRef{1}); err != nil {
		t.Fatal(err)
	}
	want := `call StockStatus POST /connect/stock
attempt 1
end 1: HTTP 401 code 0 retry true (token refused: renewed) maybe false
attempt 2
end 2: HTTP 503 code 0 retry true (HTTP 503) maybe true
attempt 3
end 3: HTTP 200 code 0 retry false (answered) maybe false
done StockStatus: 3 attempts, HTTP 200 code 0 ambiguous false err false`
	if got := rec.log(); got != want {
		t.Errorf("events:\n%s\nwant:\n%s", got, want)
	}
}

func TestObserverSeesAmbiguityAndExhaustion(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	m := newMock(t, WithObserver(rec))
	m.RegisterResponder(http.MethodPut, testBase+"connect/order/cancel", respond(502, `<html>`, nil))
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", respond(200, `{"responseCode":1044}`, nil))
	if _, err := m.c.Orders.Cancel(bg, "P1", ReasonOrderCancelled, ""); err == nil {
		t.Fatal("no error")
	}
	if _, err := m.c.Orders.Create(bg, sampleOrder()); err == nil {
		t.Fatal("no error")
	}
	got := rec.log()
	for _, want := range []string{
		"end 4: HTTP 502 code 0 retry false (attempts exhausted; last: HTTP 502) maybe true",
		"done CancelOrder: 4 attempts, HTTP 502 code 0 ambiguous true err true",
		"end 1: HTTP 200 code 1044 retry false (answered) maybe false",
		"done CreateOrder: 1 attempts, HTTP 200 code 1044 ambiguous false err true",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}

// A hook that panics is dropped for the rest of the call; the call goes on
// and reports what it would have without an observer.
func TestObserverPanicDoesNotChangeTheCall(t *testing.T) {
	t.Parallel()
	for _, hook := range []string{"StartCall", "StartAttempt", "EndAttempt", "EndCall"} {
		var logs syncBuffer
		rec := &recorder{panics: hook}
		m := newMock(t, WithObserver(rec), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		n := &nexwayOrders{loseFirst: true, stored: orderSample}
		n.register(m)
		o, err := m.c.Orders.Create(bg, sampleOrder())
		if err != nil || o.OrderNumber != 12345678 || n.created != 1 {
			t.Errorf("%s panics: Create = %v, %v; %d orders", hook, o, err, n.created)
		}
		if !strings.Contains(logs.String(), "observer panicked") || strings.Count(rec.log(), "\n") > 12 {
			t.Errorf("%s panics: logs %q, events\n%s", hook, logs.String(), rec.log())
		}
	}
}

// A hook that blocks delays the call, and changes nothing else.
func TestObserverBlockingDelaysOnly(t *testing.T) {
	t.Parallel()
	rec := &recorder{block: make(chan struct{})}
	m := newMock(t, WithObserver(rec))
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, nil))
	done := make(chan error)
	go func() {
		_, err := m.c.Stock.Status(bg, []ProductRef{1})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the call ended while its observer was blocked: %v", err)
	case rec.block <- struct{}{}:
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// What an observer is given is scrubbed like errors.
func TestObserverGetsNoSecrets(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	m := newMock(t, WithObserver(rec), WithSecret(canarySecret))
	m.RegisterNoResponder(echo(500))
	r := sampleOrder()
	r.Customer.Email = canaryEmail
	_, _ = m.c.Orders.Create(bg, r)
	_, _ = m.c.Orders.Get(bg, canaryEmail)
	all := strings.Join(rec.texts, "\n")
	for _, c := range []string{canarySecret, canaryEmail, "canary.shopper"} {
		if strings.Contains(all, c) {
			t.Errorf("%q reached the observer", c)
		}
	}
	if len(rec.texts) < 10 {
		t.Fatalf("the observer saw %d events", len(rec.texts))
	}
}

func TestWithObserverNil(t *testing.T) {
	t.Parallel()
	if _, err := NewClient(WithObserver(nil)); err == nil {
		t.Error("a nil observer was accepted")
	}
}

// A create settled by reading the order back is one observed call, which
// ends as the caller sees it, with the read-back an attempt of it.
func TestObserverSeesCreateAsTheCallerDoes(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	m := newMock(t, WithObserver(rec))
	n := &nexwayOrders{loseFirst: true, stored: orderSample}
	n.register(m)
	if _, err := m.c.Orders.Create(bg, sampleOrder()); err != nil {
		t.Fatal(err)
	}
	want := `call CreateOrder POST /connect/order/new
attempt 1
end 1: HTTP 0 code 0 retry true (no answer) maybe true
attempt 2
end 2: HTTP 200 code 1010 retry false (answered) maybe false
attempt 3 (read-back GetOrder GET /connect/order/PARTNER689)
end 3: HTTP 200 code 0 retry false (answered) maybe false
done CreateOrder: 3 attempts, HTTP 200 code 0 ambiguous false err false (1 read back)`
	if got := rec.log(); got != want {
		t.Errorf("events:\n%s\nwant:\n%s", got, want)
	}
	var routes []string
	for _, text := range rec.texts {
		if strings.HasPrefix(text, "{CallInfo:") {
			routes = append(routes, text)
		}
	}
	if len(routes) != 3 || !strings.Contains(routes[2], "Route:/connect/order/{partnerOrderNumber} Scheme:https Host:api.test") {
		t.Errorf("attempt infos: %q", routes)
	}
}
