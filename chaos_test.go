package nexway_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

var chaosN = flag.Int("chaos.n", 2000, "orders TestChaos creates (CI: 2000; a long run: 100000, with -timeout 60m)")

// chaosProduct is sold from a batch pool, so that every key drawn can be
// accounted for.
const chaosProduct = 910001

// chaosFaults hit 30% of requests: 5xx before processing; processed, then
// the answer lost, replaced by a non-standard 5xx, cut mid-body or held
// until the attempt times out; processed, then the resend refused with a
// definite code (out of stock, internal error); connection reset; latency
// past the per-attempt timeout; and 429 with Retry-After. Every eighth call
// also has a deadline shorter than the per-attempt timeout, so a slow or
// held attempt ends with the caller's context after the request was
// written.
var chaosFaults = []nexwaytest.Fault{
	{Kind: nexwaytest.FaultStatus, Status: 503},
	{Kind: nexwaytest.FaultStatus, Status: 500},
	{Kind: nexwaytest.FaultLoseResponse},
	{Kind: nexwaytest.FaultLoseResponse, Then: &nexwaytest.Fault{Kind: nexwaytest.FaultCode, Code: 1044}},
	{Kind: nexwaytest.FaultLoseResponse, Then: &nexwaytest.Fault{Kind: nexwaytest.FaultCode, Code: 1000}},
	{Kind: nexwaytest.FaultStatusAfterProcessing, Status: 520},
	{Kind: nexwaytest.FaultStatusAfterProcessing, Status: 524},
	{Kind: nexwaytest.FaultStatusAfterProcessing, Status: 599},
	{Kind: nexwaytest.FaultTruncate},
	{Kind: nexwaytest.FaultStall},
	{Kind: nexwaytest.FaultDrop},
	{Kind: nexwaytest.FaultDrop},
	{Kind: nexwaytest.FaultLatency, Latency: 150 * time.Millisecond},
	{Kind: nexwaytest.FaultRateLimit, RetryAfter: time.Second},
}

// callContext gives every eighth call a deadline shorter than the client's
// per-attempt timeout (100 ms).
func callContext(i int) (context.Context, context.CancelFunc) {
	if i%8 == 7 {
		return context.WithTimeout(context.Background(), 60*time.Millisecond)
	}
	return context.WithCancel(context.Background())
}

const chaosRate = 0.3

// outcome is how one call ended.
type outcome int

const (
	succeeded outcome = iota
	failed            // a definite failure
	ambiguous         // the error says the outcome is unknown
)

func classify(t *testing.T, err error) outcome {
	t.Helper()
	var apiErr *nexway.APIError
	switch {
	case err == nil:
		return succeeded
	case !errors.As(err, &apiErr) && !errors.Is(err, context.DeadlineExceeded):
		t.Errorf("untyped error: %v (%T)", err, err)
		return failed
	case errors.Is(err, nexway.ErrAmbiguous):
		return ambiguous
	}
	return failed
}

// runAll calls fn for 0..n-1 from 16 goroutines.
func runAll(n int, fn func(i int)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range work {
				fn(i)
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

type tally [3]int

func (t *tally) String() string {
	return fmt.Sprintf("%d succeeded, %d failed, %d ambiguous", t[succeeded], t[failed], t[ambiguous])
}

// Under faults, nothing is lost and nothing doubled: every order reported
// created exists once, as returned; none reported failed exists (an order
// that exists was reported created or ambiguous); every key drawn belongs
// to one order and the pool accounts for all of them. Then the same for
// cancelling and for extending the download window.
func TestChaos(t *testing.T) {
	n := *chaosN
	if testing.Short() {
		n = min(n, 200)
	}
	srv := nexwaytest.NewServer(t, nexwaytest.WithSeed(42), nexwaytest.WithClientOptions(
		nexway.WithTimeout(100*time.Millisecond),
		nexway.WithRetryPolicy(nexway.RetryPolicy{MaxRetries: 8, MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond, MaxRetryAfter: 2 * time.Second}),
	))
	if err := srv.AddProducts(nexwaytest.Product{Ref: chaosProduct, Name: "Chaos Monkey Pro", AmountDutyFree: 9.99, Currency: "EUR",
		Delivery: nexwaytest.DeliverySerialAndDownload, Files: []nexwaytest.File{{Label: "Setup", Type: "exe", URLPath: "setup.exe", Size: 1e6}},
		Fulfillment: nexwaytest.FulfillBatch}); err != nil {
		t.Fatal(err)
	}
	pool := n*3/2 + 10 // quantities of 1 and 2
	keys := make([]string, pool)
	for i := range keys {
		keys[i] = fmt.Sprintf("CHAOS-%08d", i)
	}
	if err := srv.AddKeys(chaosProduct, keys...); err != nil {
		t.Fatal(err)
	}
	srv.SetFaultRate(nexwaytest.RouteAny, chaosRate, chaosFaults...)
	start := time.Now()

	// Create.
	number := func(i int) string { return fmt.Sprintf("CHAOS-%07d", i) }
	results := make([]*nexway.Order, n)
	outcomes := make([]outcome, n)
	runAll(n, func(i int) {
		ctx, cancel := callContext(i)
		defer cancel()
		o, err := srv.Client.Orders.Create(ctx, order(number(i), chaosProduct, 1+i%2))
		results[i], outcomes[i] = o, classify(t, err)
		if errors.Is(err, nexway.ErrDuplicateOrder) && !errors.Is(err, nexway.ErrAmbiguous) {
			t.Errorf("%s: our own order reported as a duplicate: %v", number(i), err)
		}
	})
	// An attempt the client gave up on may still be processed: let the
	// fake finish before comparing.
	if err := srv.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	var created tally
	for i := range n {
		created[outcomes[i]]++
		stored, exists := srv.Order(number(i))
		switch outcomes[i] {
		case succeeded:
			got := results[i]
			if !exists {
				t.Errorf("%s: reported created, not stored", number(i))
				continue
			}
			if int64(got.OrderNumber) != int64(stored.OrderNumber) || !slices.Equal(keysOf(got), stored.Lines[0].Keys) || len(stored.Lines[0].Keys) != 1+i%2 {
				t.Errorf("%s: returned order %d %v, stored %d %v", number(i), got.OrderNumber, keysOf(got), stored.OrderNumber, stored.Lines[0].Keys)
			}
		case failed:
			if exists {
				t.Errorf("%s: reported failed, but the order exists (lost)", number(i))
			}
		}
	}
	owner := map[string]string{}
	drawn := 0
	for _, o := range srv.Orders() {
		for _, l := range o.Lines {
			for _, k := range l.Keys {
				if prev, dup := owner[k]; dup {
					t.Errorf("key %s issued to %s and %s", k, prev, o.PartnerOrderNumber)
				}
				owner[k] = o.PartnerOrderNumber
				drawn++
			}
		}
	}
	if drawn+srv.KeysLeft(chaosProduct) != pool {
		t.Errorf("%d keys drawn and %d left from a pool of %d: keys lost", drawn, srv.KeysLeft(chaosProduct), pool)
	}
	createTime := time.Since(start)

	// Extend each created order's download window once, by a week.
	var extended tally
	var extendMu sync.Mutex
	runAll(n, func(i int) {
		if outcomes[i] != succeeded {
			return
		}
		before := results[i].Lines[0].DateEndDownload
		ctx, cancel := callContext(i)
		defer cancel()
		_, err := srv.Client.Downloads.Extend(ctx, number(i), nexway.ExtendBy(7*24*time.Hour))
		oc := classify(t, err)
		extendMu.Lock()
		extended[oc]++
		extendMu.Unlock()
		stored, _ := srv.Order(number(i))
		after := nexway.DateOf(stored.DownloadEnd)
		week := nexway.DateOf(before.In(time.UTC).AddDate(0, 0, 7))
		switch {
		case oc == succeeded && after != week:
			t.Errorf("%s: extended from %v to %v, want %v", number(i), before, after, week)
		case oc == failed && after != before:
			t.Errorf("%s: reported not extended, but the window moved from %v to %v", number(i), before, after)
		case oc == ambiguous && after != before && after != week:
			t.Errorf("%s: window moved from %v to %v, want at most one week", number(i), before, after)
		}
	})

	// Cancel each created order once.
	var cancelled tally
	var cancelMu sync.Mutex
	runAll(n, func(i int) {
		if outcomes[i] != succeeded {
			return
		}
		ctx, cancel := callContext(i)
		defer cancel()
		_, err := srv.Client.Orders.Cancel(ctx, number(i), nexway.ReasonOrderCancelled, "chaos")
		oc := classify(t, err)
		cancelMu.Lock()
		cancelled[oc]++
		cancelMu.Unlock()
		if errors.Is(err, nexway.ErrAlreadyCancelled) {
			t.Errorf("%s: a single cancel reported already cancelled: %v", number(i), err)
		}
		stored, _ := srv.Order(number(i))
		if oc == succeeded && !stored.Cancelled || oc == failed && stored.Cancelled {
			t.Errorf("%s: cancel %v, stored cancelled=%v", number(i), err, stored.Cancelled)
		}
	})

	faults, requests := 0, 0
	for route, c := range srv.Counts() {
		if route != nexwaytest.RouteToken {
			requests += c.Requests
			faults += c.Faulted
		}
	}
	t.Logf("chaos: %d orders in %v (create %v); %d requests, %d faulted (%.1f%%)",
		n, time.Since(start).Round(time.Millisecond), createTime.Round(time.Millisecond), requests, faults, 100*float64(faults)/float64(requests))
	t.Logf("create: %v; duplicates 0, lost 0 unless reported above; %d keys drawn, %d left", &created, drawn, srv.KeysLeft(chaosProduct))
	t.Logf("extend: %v", &extended)
	t.Logf("cancel: %v", &cancelled)
	for _, phase := range []struct {
		name string
		t    *tally
	}{{"created", &created}, {"extended", &extended}, {"cancelled", &cancelled}} {
		// The mix refuses some resends definitely and gives every eighth
		// call too short a deadline; the rest must get through.
		if total := phase.t[succeeded] + phase.t[failed] + phase.t[ambiguous]; phase.t[succeeded] < total*7/10 {
			t.Errorf("only %d of %d orders %s: the retries do not cope", phase.t[succeeded], total, phase.name)
		}
	}
}
