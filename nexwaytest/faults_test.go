package nexwaytest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// freshClient has its own connection pool, so a cut connection cannot be
// retried transparently on a reused one.
func freshClient() *http.Client {
	return &http.Client{Transport: &http.Transport{}}
}

func TestFaultStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.InjectFault(RouteCreateOrder, Fault{Kind: FaultStatus})
	e.s.InjectFault(RouteCreateOrder, Fault{Kind: FaultStatus, Status: 500, Times: 2})
	e.s.InjectFault(RouteCreateOrder, Fault{Kind: FaultStatus, Status: 101}) // not a final status
	for i, want := range []int{503, 500, 500, 503} {
		resp, err := freshClient().Do(e.request("POST", "/connect/order/new", sampleOrder(fmt.Sprint("FS-", i))))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(b), "<html>") {
			t.Fatalf("request %d: HTTP %d %q %s", i, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
	if n := len(e.s.Orders()); n != 0 {
		t.Fatalf("status fault processed the request: %d orders", n)
	}
	e.create(sampleOrder("FS-OK"), 0) // queue used up
}

func TestFaultRateLimit(t *testing.T) {
	e := newEnv(t)
	e.s.InjectFault(RouteStock, Fault{Kind: FaultRateLimit, RetryAfter: 1500 * time.Millisecond})
	e.s.InjectFault(RouteStock, Fault{Kind: FaultRateLimit})
	for _, want := range []string{"2", "1"} {
		resp, err := http.DefaultClient.Do(e.request("POST", "/connect/stock", `{"productRefs":[733551]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != want {
			t.Fatalf("HTTP %d Retry-After %q, want 429 %q", resp.StatusCode, resp.Header.Get("Retry-After"), want)
		}
	}
	wantCode(t, e.json("POST", "/connect/stock", `{"productRefs":[733551]}`), 0)
}

func TestFaultDrop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.InjectFault(RouteCreateOrder, Fault{Kind: FaultDrop})
	_, err := freshClient().Do(e.request("POST", "/connect/order/new", sampleOrder("DROP")))
	if err == nil {
		t.Fatal("dropped request got a response")
	}
	if _, ok := e.s.Order("DROP"); ok {
		t.Fatal("dropped request was processed")
	}
	// The retry goes through.
	e.create(sampleOrder("DROP"), 0)
	reqs := e.s.Requests()
	if reqs[0].Fault != "drop" || reqs[0].Status != 0 || reqs[1].Fault != "" || reqs[1].Status != 200 {
		t.Errorf("log = %+v", reqs)
	}
}

func TestFaultLoseResponse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.InjectFault(RouteCreateOrder, Fault{Kind: FaultLoseResponse})
	_, err := freshClient().Do(e.request("POST", "/connect/order/new", sampleOrder("LOST")))
	if err == nil {
		t.Fatal("lost response arrived")
	}
	snap, ok := e.s.Order("LOST")
	if !ok || len(snap.Lines[0].Keys) != 1 {
		t.Fatalf("order not processed: %+v %v", snap, ok)
	}
	// The storefront's blind retry gets 1010, and get-order has the order.
	e.create(sampleOrder("LOST"), 1010)
	wantCode(t, e.json("GET", "/connect/order/LOST", nil), 0)
	if r := e.s.Requests()[0]; r.Fault != "lose-response" || r.Status != 200 {
		t.Errorf("log = %+v", r)
	}
}

func TestFaultLatencyStillProcessed(t *testing.T) {
	// Its own server, so that closing it waits for the handler to finish.
	s := seededServer(t, 0)
	defer s.Close()
	ts := httptest.NewServer(s)
	e := &env{t: t, s: s, ts: ts}
	s.InjectFault(RouteCreateOrder, Fault{Kind: FaultLatency, Latency: 300 * time.Millisecond})
	c := freshClient()
	c.Timeout = 30 * time.Millisecond
	_, err := c.Do(e.request("POST", "/connect/order/new", sampleOrder("SLOW")))
	if err == nil {
		t.Fatal("client did not time out: latency not applied")
	}
	ts.Close() // blocks until the handler has run
	if _, ok := s.Order("SLOW"); !ok {
		t.Fatal("request abandoned by its client was not processed")
	}
	if r := s.Requests()[0]; r.Fault != "latency" || r.Status != 200 {
		t.Errorf("log = %+v", r)
	}
}

func TestFaultLatencyAbortedByClose(t *testing.T) {
	s := seededServer(t, 0)
	arrived := make(chan struct{}, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		s.ServeHTTP(w, r)
	}))
	defer ts.Close()
	e := &env{t: t, s: s, ts: ts}
	s.InjectFault(RouteAny, Fault{Kind: FaultLatency, Latency: time.Hour})
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := freshClient().Do(e.request("GET", "/connect/catalog/oslist", nil))
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	<-arrived
	s.Close()
	select {
	case r := <-done:
		if r.err != nil || r.status != http.StatusServiceUnavailable {
			t.Fatalf("after Close: %+v", r)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not abort the latency wait")
	}
}

func TestFaultQueueOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.InjectFault(RouteAny, Fault{Kind: FaultStatus, Status: 502})
	e.s.InjectFault(RouteStock, Fault{Kind: FaultStatus, Status: 500})
	e.s.InjectFault(RouteStock, Fault{Kind: FaultStatus, Status: 504})
	var got []int
	for i := 0; i < 4; i++ {
		status, _ := e.call("POST", "/connect/stock", `{"productRefs":[1]}`)
		got = append(got, status)
	}
	if fmt.Sprint(got) != "[500 504 502 200]" {
		t.Fatalf("statuses = %v", got)
	}
	// RouteAny queues leave IAM alone and wait for a /connect request; an
	// IAM route is faulted by name.
	e.s.InjectFault(RouteAny, Fault{Kind: FaultStatus})
	if status, _ := e.call("POST", "/iam/tokens", `{}`); status != 401 {
		t.Fatalf("IAM under a RouteAny queue: %d, want its own 401", status)
	}
	if status, _ := e.call("GET", "/no/such/route", ""); status != 404 {
		t.Fatalf("unknown route: %d", status)
	}
	if status, _ := e.call("GET", "/connect/stock", ""); status != 405 {
		t.Fatalf("wrong method on a /connect path: %d", status)
	}
	if status, _ := e.call("POST", "/connect/stock", `{"productRefs":[1]}`); status != 503 {
		t.Fatalf("RouteAny fault not kept for /connect: %d", status)
	}
	e.s.InjectFault(RouteToken, Fault{Kind: FaultStatus})
	if status, _ := e.call("POST", "/iam/tokens", `{}`); status != 503 {
		t.Fatalf("IAM faulted by name: %d", status)
	}
	e.s.InjectFault(RouteStock, Fault{Kind: FaultStatus})
	e.s.ClearFaults()
	if status, _ := e.call("POST", "/connect/stock", `{"productRefs":[1]}`); status != 200 {
		t.Fatalf("after ClearFaults: %d", status)
	}
}

// faultSequence runs n stock requests against a fresh server with the given
// seed and fault rate, and returns the statuses.
func faultSequence(t *testing.T, seed int64, n int) []int {
	s := newUnstarted(config{seed: seed})
	s.SetFaultRate(RouteAny, 0.5, Fault{Kind: FaultStatus, Status: 500}, Fault{Kind: FaultStatus, Status: 503}, Fault{Kind: FaultRateLimit})
	var out []int
	for i := 0; i < n; i++ {
		out = append(out, serveDirect(s, "POST", "/connect/stock", []byte(`{"productRefs":[1]}`)).Code)
	}
	return out
}

func TestFaultRateDeterministic(t *testing.T) {
	t.Parallel()
	a, b, c := faultSequence(t, 11, 200), faultSequence(t, 11, 200), faultSequence(t, 12, 200)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same seed, different fault sequence")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Fatal("different seeds, same fault sequence")
	}
	counts := map[int]int{}
	for _, st := range a {
		counts[st]++
	}
	if counts[200] < 60 || counts[200] > 140 || counts[500] == 0 || counts[503] == 0 || counts[429] == 0 {
		t.Fatalf("distribution = %v", counts)
	}
}

func TestFaultRateScope(t *testing.T) {
	t.Parallel()
	s := newUnstarted(config{seed: 1})
	s.SetFaultRate(RouteAny, 1)
	for i := 0; i < 5; i++ {
		if rec := serveDirect(s, "POST", "/iam/tokens", []byte(`{"realmName":"r","grantType":"client_credentials"}`)); rec.Code != 200 {
			t.Fatalf("IAM faulted by RouteAny rate: %d", rec.Code)
		}
		if rec := serveDirect(s, "GET", "/connect/catalog/oslist", nil); rec.Code != 503 {
			t.Fatalf("rate 1 did not fault: %d", rec.Code)
		}
	}
	// A route's own rate wins; rate 0 turns it off.
	s.SetFaultRate(RouteOSList, 1, Fault{Kind: FaultStatus, Status: 500})
	if rec := serveDirect(s, "GET", "/connect/catalog/oslist", nil); rec.Code != 500 {
		t.Fatalf("route rate: %d", rec.Code)
	}
	s.SetFaultRate(RouteOSList, 0)
	s.SetFaultRate(RouteAny, 0)
	if rec := serveDirect(s, "GET", "/connect/catalog/oslist", nil); rec.Code != 200 {
		t.Fatalf("rate 0: %d", rec.Code)
	}
	s.SetFaultRate(RouteToken, 1)
	if rec := serveDirect(s, "POST", "/iam/tokens", nil); rec.Code != 503 {
		t.Fatalf("explicit IAM rate: %d", rec.Code)
	}
}

func TestFaultKindNames(t *testing.T) {
	t.Parallel()
	for k, want := range map[FaultKind]string{FaultStatus: "status", FaultRateLimit: "rate-limit", FaultDrop: "drop", FaultLoseResponse: "lose-response", FaultLatency: "latency",
		FaultStatusAfterProcessing: "status-after-processing", FaultTruncate: "truncate", FaultStall: "stall", FaultCode: "code"} {
		if k.String() != want {
			t.Errorf("%d: %q", k, k.String())
		}
	}
	// Without a hijackable connection, drop degrades to a 502 rather than
	// panicking.
	s := newUnstarted(config{})
	s.InjectFault(RouteOSList, Fault{Kind: FaultDrop})
	if rec := serveDirect(s, "GET", "/connect/catalog/oslist", nil); rec.Code != http.StatusBadGateway {
		t.Fatalf("drop on a recorder: %d", rec.Code)
	}
}

// The faults that process the request and then keep a usable answer from
// the client: a gateway status, a cut body, a held answer.
func TestFaultsAfterProcessing(t *testing.T) {
	for _, tc := range []struct {
		f      Fault
		status int // 0: no answer
	}{
		{Fault{Kind: FaultStatusAfterProcessing}, 500},
		{Fault{Kind: FaultStatusAfterProcessing, Status: 524}, 524},
		{Fault{Kind: FaultStatusAfterProcessing, Status: 404}, 500}, // not a gateway's status
		{Fault{Kind: FaultTruncate}, 200},
		{Fault{Kind: FaultStall, Latency: time.Millisecond}, 0},
	} {
		t.Run(fmt.Sprintf("%s %d", tc.f.Kind, tc.f.Status), func(t *testing.T) {
			e := newEnv(t)
			e.s.InjectFault(RouteCreateOrder, tc.f)
			resp, err := freshClient().Do(e.request("POST", "/connect/order/new", sampleOrder("AFTER")))
			var body []byte
			if err == nil {
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			switch {
			case tc.status == 0 && err == nil:
				t.Fatalf("HTTP %d, want no answer", resp.StatusCode)
			case tc.status == 200 && (resp.StatusCode != 200 || err == nil || !strings.HasPrefix(string(body), `{"`)):
				t.Fatalf("HTTP %d, %q, %v: want the head of a 200 and a cut body", resp.StatusCode, body, err)
			case tc.status > 200 && (err != nil || resp.StatusCode != tc.status):
				t.Fatalf("%v, want HTTP %d", err, tc.status)
			}
			if _, ok := e.s.Order("AFTER"); !ok {
				t.Fatal("the request was not processed")
			}
			if got := e.s.Requests()[0]; got.Fault != tc.f.Kind.String() || got.Status != 200 {
				t.Errorf("logged %q %d, want %q and the status it was processed with", got.Fault, got.Status, tc.f.Kind)
			}
		})
	}
}

// A stall holds the answer until the client gives up.
func TestFaultStallUntilClientGoesAway(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.InjectFault(RouteCreateOrder, Fault{Kind: FaultStall})
	processing := make(chan struct{}, 1)
	if err := e.s.SetPublisher(733552, PublisherFunc(func(context.Context, LicenseRequest) (string, error) {
		// A callback may run again (a resend, a redelivery): signal, never close.
		select {
		case processing <- struct{}{}:
		default:
		}
		return "HELD-KEY", nil
	})); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := freshClient().Do(e.request("POST", "/connect/order/new", sampleOrder("HELD", line(733552, 1))).WithContext(ctx))
		done <- err
	}()
	<-processing
	select {
	case err := <-done:
		t.Fatalf("answered before the client gave up: %v", err)
	default:
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a stalled request was answered")
	}
	if err := e.s.WaitIdle(context.Background()); err != nil { // the create may still be storing
		t.Fatal(err)
	}
	if o, ok := e.s.Order("HELD"); !ok || o.Lines[0].Keys[0] != "HELD-KEY" {
		t.Fatalf("order %+v, %v: want it processed", o, ok)
	}
}

// A code fault refuses without processing; Then makes the resend of a
// processed request meet it.
func TestFaultCodeAndThen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.InjectFault(RouteCreateOrder, Fault{Kind: FaultCode, Code: 1044})
	e.create(sampleOrder("CODE"), 1044)
	if _, ok := e.s.Order("CODE"); ok {
		t.Fatal("a code fault processed the request")
	}
	e.s.InjectFault(RouteCreateOrder, Fault{Kind: FaultLoseResponse, Then: &Fault{Kind: FaultCode, Code: 1000, Then: &Fault{Kind: FaultStatus}}})
	if _, err := freshClient().Do(e.request("POST", "/connect/order/new", sampleOrder("THEN"))); err == nil {
		t.Fatal("lost answer arrived")
	}
	e.create(sampleOrder("OTHER"), 0) // another request: no follow-up
	e.create(sampleOrder("THEN"), 1000)
	resp, err := freshClient().Do(e.request("POST", "/connect/order/new", sampleOrder("THEN")))
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("second resend: %v, want the Then of the Then (503)", err)
	}
	resp.Body.Close()
	e.create(sampleOrder("THEN"), 1010) // the chain is used up: the real answer
	if got := e.s.Requests(); len(got) != 6 || got[2].Fault != "" || got[3].Fault != "code" || got[4].Fault != "status" {
		t.Errorf("log: %+v", got)
	}
}
