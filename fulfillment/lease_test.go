package fulfillment_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nexway-go/nexway/fulfillment"
)

// Retries that arrive while the first attempt still runs wait for its
// answer and get it; the Fulfiller runs once.
func TestHandlerConcurrentRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		f := &recorder{}
		f.fn = func(ctx context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
			<-release
			return &fulfillment.Result{ActivationCode: "ONLY-KEY"}, nil
		}
		h := newHandler(t, f, new(fulfillment.MemoryStore))
		const n = 5
		answers := make([]*httptest.ResponseRecorder, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { answers[i] = post(h, "/licenses/new", bodyFor("race")) })
		}
		synctest.Wait() // one request in the Fulfiller, the others polling
		time.Sleep(time.Second)
		close(release)
		wg.Wait()
		for _, w := range answers {
			if m := answer(t, w); m["activationCode"] != "ONLY-KEY" {
				t.Fatalf("answer %v", m)
			}
		}
		if c := f.calls.Load(); c != 1 {
			t.Fatalf("Fulfiller called %d times, want 1", c)
		}
	})
}

// A retry that waits longer than the busy wait gets 503 and a Retry-After
// that points at the end of the lease.
func TestHandlerBusyGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		f := &recorder{fn: func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
			<-release
			return &fulfillment.Result{ActivationCode: "K"}, nil
		}}
		h := newHandler(t, f, new(fulfillment.MemoryStore), fulfillment.WithLease(time.Minute), fulfillment.WithBusyWait(3*time.Second))
		done := make(chan struct{})
		go func() { post(h, "/licenses/new", bodyFor("slow")); close(done) }()
		synctest.Wait()
		start := time.Now()
		w := post(h, "/licenses/new", bodyFor("slow"))
		if w.Code != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", w.Code)
		}
		if waited := time.Since(start); waited != 3*time.Second {
			t.Fatalf("waited %v, want the busy wait of 3s", waited)
		}
		if ra, _ := strconv.Atoi(w.Header().Get("Retry-After")); ra != 57 {
			t.Fatalf("Retry-After %q, want the lease's remaining 57 s", w.Header().Get("Retry-After"))
		}
		close(release)
		<-done
		if c := f.calls.Load(); c != 1 {
			t.Fatalf("Fulfiller called %d times, want 1", c)
		}
	})
}

// A replica that dies while running a unit leaves its lease behind. Until
// the lease ends, retries to another replica get 503; after it, the next
// retry takes the unit over and issues the key. When the stuck replica
// finally comes back with a key of its own, the store refuses it, so that
// Nexway only ever sees the key of the replica that took over.
func TestHandlerLeaseTakeOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := new(fulfillment.MemoryStore) // shared by both replicas
		const lease = 30 * time.Second
		unstick := make(chan struct{})
		stuck := &recorder{fn: func(ctx context.Context, _ *fulfillment.Request) (*fulfillment.Result, error) {
			<-unstick // ignores its context, as a hung process would
			return &fulfillment.Result{ActivationCode: "KEY-FROM-DEAD-REPLICA"}, nil
		}}
		healthy := &recorder{fn: func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
			return &fulfillment.Result{ActivationCode: "KEY-FROM-B"}, nil
		}}
		a := newHandler(t, stuck, store, fulfillment.WithLease(lease))
		b := newHandler(t, healthy, store, fulfillment.WithLease(lease), fulfillment.WithBusyWait(time.Second))

		aDone := make(chan *httptest.ResponseRecorder)
		go func() { aDone <- post(a, "/licenses/new", bodyFor("dead")) }()
		synctest.Wait()

		time.Sleep(10 * time.Second) // Nexway's retry, to replica B
		if w := post(b, "/licenses/new", bodyFor("dead")); w.Code != http.StatusServiceUnavailable {
			t.Fatalf("retry during the lease: status %d, want 503", w.Code)
		}
		if healthy.calls.Load() != 0 {
			t.Fatal("replica B ran a unit that replica A holds")
		}

		time.Sleep(lease) // the lease has ended
		if m := answer(t, post(b, "/licenses/new", bodyFor("dead"))); m["activationCode"] != "KEY-FROM-B" {
			t.Fatalf("take-over answered %v", m)
		}

		close(unstick)
		if w := <-aDone; w.Code != http.StatusServiceUnavailable {
			t.Fatalf("the stuck replica answered %d (%s), want 503: its key must not reach Nexway", w.Code, w.Body)
		}
		for _, h := range []http.Handler{a, b} {
			if m := answer(t, post(h, "/licenses/new", bodyFor("dead"))); m["activationCode"] != "KEY-FROM-B" {
				t.Fatalf("later retry answered %v", m)
			}
		}
		if stuck.calls.Load() != 1 || healthy.calls.Load() != 1 {
			t.Fatalf("calls: stuck %d, healthy %d; want 1 and 1", stuck.calls.Load(), healthy.calls.Load())
		}
	})
}

// The Fulfiller's context ends with the lease, so a Fulfiller that honours
// it stops before another replica may take the unit over.
func TestHandlerFulfillerDeadlineIsLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var deadline time.Time
		f := &recorder{fn: func(ctx context.Context, _ *fulfillment.Request) (*fulfillment.Result, error) {
			deadline, _ = ctx.Deadline()
			<-ctx.Done()
			return nil, ctx.Err()
		}}
		h := newHandler(t, f, new(fulfillment.MemoryStore), fulfillment.WithLease(45*time.Second))
		start := time.Now()
		if w := post(h, "/licenses/new", bodyFor("deadline")); w.Code != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", w.Code)
		}
		if !deadline.Equal(start.Add(45 * time.Second)) {
			t.Fatalf("Fulfiller deadline %v after the start, want 45s", deadline.Sub(start))
		}
	})
}

// failingStore fails the calls it is told to.
type failingStore struct {
	fulfillment.MemoryStore
	claim, complete error
}

func (s *failingStore) Claim(ctx context.Context, l fulfillment.Lease) (fulfillment.Outcome, error) {
	if s.claim != nil {
		return fulfillment.Outcome{}, s.claim
	}
	return s.MemoryStore.Claim(ctx, l)
}

func (s *failingStore) Complete(ctx context.Context, l fulfillment.Lease, answer []byte) error {
	if s.complete != nil {
		return s.complete
	}
	return s.MemoryStore.Complete(ctx, l, answer)
}

// When the store cannot claim, the Fulfiller is not called; when it cannot
// record the answer, the answer is withheld (a retry could not replay it).
func TestHandlerStoreFailures(t *testing.T) {
	t.Parallel()
	f := &recorder{}
	s := &failingStore{claim: errors.New("connection refused")}
	h := newHandler(t, f, s)
	if w := post(h, "/licenses/new", bodyFor("st")); w.Code != http.StatusServiceUnavailable || f.calls.Load() != 0 {
		t.Fatalf("claim failure: status %d, %d calls", w.Code, f.calls.Load())
	}
	s.claim, s.complete = nil, errors.New("connection reset")
	w := post(h, "/licenses/new", bodyFor("st"))
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("complete failure: status %d, want 503", w.Code)
	}
	if f.calls.Load() != 1 || strings.Contains(w.Body.String(), "KEY-") {
		t.Fatalf("%d calls, answer %q; want 1 call and no key", f.calls.Load(), w.Body)
	}
}
