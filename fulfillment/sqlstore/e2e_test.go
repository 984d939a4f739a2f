package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/fulfillment"
	"github.com/nexway-go/nexway/fulfillment/sqlstore"
	"github.com/nexway-go/nexway/nexwaytest"
)

// The whole path of a real-time key. A storefront buys through the SDK at
// the fake Nexway; the fake calls two replicas of the publisher's Handler,
// which share one PostgreSQL store, through a hop that loses answers after
// the handler ran and answers 5xx; the publisher's own code fails
// transiently; and one replica dies in the middle of a request and comes
// back as a fresh Handler on the same store. At the end every unit has
// exactly one key, the publisher's code issued no key twice, and the
// storefront holds exactly the keys the publisher issued.
func TestEndToEndThroughFakeNexway(t *testing.T) {
	db := openPostgres(t)
	table := newTable(t, db, sqlstore.Postgres)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	signer, err := fulfillment.NewSigner(e2eSecret, "$.fulfillmentId", "$.checkout.orderId", "$.product.id")
	if err != nil {
		t.Fatal(err)
	}
	p := &plan{units: map[string]int{}, attempts: map[string]int{}, orders: map[int][]int{}, open: make(chan struct{})}
	pub := &issuer{plan: p, calls: map[string]int{}, issued: map[string][]string{}, byOrder: map[string][]string{},
		crashed: make(chan int, 1), resume: make(chan struct{})}
	// Each replica has a connection pool of its own, as a process would.
	stores := []fulfillment.Store{storeOn(t, db, sqlstore.Postgres, table), storeOn(t, openPostgres(t), sqlstore.Postgres, table)}
	var replicas [2]*replica
	for i := range replicas {
		replicas[i] = startReplica(t, i, pub, stores[i], signer)
	}
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	h := &hop{plan: p, replicas: replicas, base: transport}

	fake := nexwaytest.NewServer(t)
	err = fake.SetPublisher(e2eProduct, &nexwaytest.HTTPPublisher{
		BaseURL: "http://publisher.test", Username: e2eUser, Password: e2ePassword,
		Client:        &http.Client{Transport: h, Timeout: time.Minute},
		SigningSecret: e2eSecret, SignedFields: signer.Fields(),
		Retries: 50, Backoff: 5 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}

	// The replica running unit 0 dies once its Fulfiller has started: its
	// store calls fail from then on (its lease stays in PostgreSQL), its
	// connections are cut, and a fresh Handler takes its place.
	died := make(chan int, 1)
	go func() {
		select {
		case r := <-pub.crashed:
			replicas[r].die()
			replicas[r].restart()
			close(pub.resume)
			died <- r
		case <-ctx.Done():
		}
	}()

	// Phase 1: the order whose first unit meets the crash, alone, so that
	// no other request is on the dying replica. Phase 2: the other orders,
	// three storefront workers at once.
	pons := make([]string, e2eOrders)
	for i := range pons {
		pons[i] = fmt.Sprintf("E2E-%02d", i)
	}
	create := func(i int) {
		if _, err := fake.Client.Orders.Create(ctx, e2eOrder(pons[i], 1+(i+1)%3)); err != nil {
			t.Errorf("create %s: %v", pons[i], err)
		}
	}
	create(0)
	select {
	case r := <-died:
		t.Logf("replica %d died in the middle of unit 0 and restarted", r)
	case <-ctx.Done():
		t.Fatal("unit 0 never reached a replica")
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for i := range next {
				create(i)
			}
		})
	}
	for i := 1; i < e2eOrders; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// While held units get 502s, their items stay undelivered: a code and
	// no serial. The others are delivered or still to come.
	held := 0
	for _, pon := range pons {
		o, err := fake.Client.Orders.Get(ctx, pon)
		if err != nil {
			t.Fatalf("get %s: %v", pon, err)
		}
		waiting := 0
		for _, it := range o.Lines[0].Items {
			switch {
			case it.ResponseCode != 0 && len(it.Serials) == 0:
				waiting++
			case it.ResponseCode != 0 || len(it.Serials) != 1:
				t.Errorf("%s: item code %d with serials %v", pon, it.ResponseCode, it.Serials)
			}
		}
		if want := p.heldIn(int(o.OrderNumber)); waiting < want {
			t.Errorf("%s: %d items undelivered, but %d of its units have no key yet", pon, waiting, want)
		} else if want > 0 && o.Delivered() {
			t.Errorf("%s: delivered with %d units held", pon, want)
		}
		held += p.heldIn(int(o.OrderNumber))
	}
	if held == 0 {
		t.Fatal("no unit was held: the check above proved nothing")
	}

	close(p.open)
	storefront := map[string][]string{} // Nexway order number → keys
	var all []string
	for _, pon := range pons {
		o, err := fake.Client.Orders.AwaitDelivery(ctx, pon, 10*time.Millisecond)
		if err != nil {
			t.Fatalf("%s: %v", pon, err)
		}
		for _, it := range o.Lines[0].Items {
			if len(it.Serials) != 1 {
				t.Fatalf("%s: an item with %d serials", pon, len(it.Serials))
			}
			n := strconv.Itoa(int(o.OrderNumber))
			storefront[n] = append(storefront[n], it.Serials[0].Data)
			all = append(all, it.Serials[0].Data)
		}
	}

	units := p.count()
	pub.mu.Lock()
	defer pub.mu.Unlock()
	if len(all) != units || len(pub.issued) != units {
		t.Fatalf("%d keys at the storefront, %d units issued, %d units called", len(all), len(pub.issued), units)
	}
	for fid, keys := range pub.issued {
		if len(keys) != 1 {
			t.Errorf("unit %s: keys %v issued", fid, keys)
		}
	}
	slices.Sort(all)
	if len(slices.Compact(all)) != units {
		t.Errorf("a key reached two units: %v", all)
	}
	for n, keys := range storefront {
		got, want := slices.Sorted(slices.Values(keys)), slices.Sorted(slices.Values(pub.byOrder[n]))
		if !slices.Equal(got, want) {
			t.Errorf("order %s: the storefront got %v, the publisher issued %v", n, got, want)
		}
	}
	var answered int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE answer IS NOT NULL").Scan(&answered); err != nil {
		t.Fatal(err)
	}
	if answered != units {
		t.Errorf("%d units answered in the store, want %d", answered, units)
	}

	// Every fault happened, or the test proved less than it claims.
	f := &h.faults
	t.Logf("%d orders, %d units, %d calls through the hop: %d answered 200, %d answered 503 by a handler; "+
		"faults: %d gateway 502s, %d answers lost after the handler ran, %d 502s while held, %d calls cut by the crash, "+
		"%d transient failures of the publisher's code; the Fulfiller ran %d times for %d keys",
		e2eOrders, units, f.calls.Load(), f.ok.Load(), f.unavailable.Load(), f.gateway.Load(), f.lost.Load(), f.held.Load(),
		f.cut.Load(), pub.transient, pub.runs, len(pub.issued))
	if f.gateway.Load() == 0 || f.lost.Load() == 0 || f.held.Load() == 0 || f.cut.Load() == 0 || pub.transient == 0 {
		t.Error("a fault was never injected")
	}
	if pub.calls[p.fid(0)] != 2 {
		t.Errorf("the crashed unit ran %d times, want 2 (the crash, then the take-over)", pub.calls[p.fid(0)])
	}
}

const (
	e2eUser     = "nexway"
	e2ePassword = "e2e-pa55-w0rd"
	e2eSecret   = "e2e-signing-key"
	e2eProduct  = 733552 // the fake's real-time security suite
	e2eOrders   = 16
	e2eLease    = time.Second // how long the dead replica's unit stays locked
)

func e2eOrder(pon string, quantity int) *nexway.CreateOrderRequest {
	return &nexway.CreateOrderRequest{
		PartnerOrderNumber: pon,
		OrderDate:          nexwaytest.DefaultStartTime(),
		Currency:           "EUR",
		Lines:              []nexway.OrderLineRequest{{ProductRef: e2eProduct, Quantity: quantity}},
		Customer: nexway.Customer{
			Email:           "jane.doe@example.com",
			Language:        "fr_FR",
			InvoiceLocation: nexway.Location{FirstName: "Jane", LastName: "Doe", City: "Paris", Country: "FR"},
		},
	}
}

// plan numbers the units in the order the hop first sees them, and says
// which fault each attempt meets:
//   - unit 0: its replica dies while the Fulfiller runs; later attempts
//     are held;
//   - n%5 == 4: held, every attempt answered 502 until open is closed;
//   - n%4 == 1: the first attempt gets a 502 from the hop;
//   - n%4 == 2: the first two answers are lost after the handler ran;
//   - n%4 == 3: the publisher's code fails transiently the first time.
//
// Attempt k of unit n goes to replica (n+k)%2, so that retries alternate.
type plan struct {
	mu       sync.Mutex
	units    map[string]int // fulfillmentId → n
	attempts map[string]int
	orders   map[int][]int // Nexway order number → its units
	open     chan struct{}
}

// attempt numbers a call: its unit, and how many calls the unit had before.
func (p *plan) attempt(fid string, order int) (n, k int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, ok := p.units[fid]
	if !ok {
		n = len(p.units)
		p.units[fid] = n
		p.orders[order] = append(p.orders[order], n)
	}
	k = p.attempts[fid]
	p.attempts[fid]++
	return n, k
}

func (p *plan) unit(fid string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.units[fid]
}

func (p *plan) fid(n int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for fid, m := range p.units {
		if m == n {
			return fid
		}
	}
	return ""
}

func (p *plan) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.units)
}

// isHeld reports whether attempt k of unit n is held.
func (p *plan) isHeld(n, k int) bool {
	select {
	case <-p.open:
		return false
	default:
		return (n == 0 && k > 0) || n%5 == 4
	}
}

// heldIn counts the units of an order that cannot have a key before open.
func (p *plan) heldIn(order int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	held := 0
	for _, n := range p.orders[order] {
		if n == 0 || n%5 == 4 {
			held++
		}
	}
	return held
}

// hop is the network between Nexway and the publisher's replicas: a load
// balancer that injects the plan's faults.
type hop struct {
	plan     *plan
	replicas [2]*replica
	base     http.RoundTripper
	faults   struct{ calls, ok, unavailable, gateway, lost, held, cut atomic.Int64 }
}

func (h *hop) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	var b struct {
		FulfillmentID string `json:"fulfillmentId"`
		Checkout      struct {
			OrderID string `json:"orderId"`
		} `json:"checkout"`
	}
	if err := json.Unmarshal(body, &b); err != nil || b.FulfillmentID == "" {
		return nil, errors.New("hop: a body without a fulfillmentId")
	}
	order, _ := strconv.Atoi(b.Checkout.OrderID)
	n, k := h.plan.attempt(b.FulfillmentID, order)
	h.faults.calls.Add(1)
	switch {
	case h.plan.isHeld(n, k):
		h.faults.held.Add(1)
		return gatewayError(), nil
	case n%4 == 1 && k == 0:
		h.faults.gateway.Add(1)
		return gatewayError(), nil
	}
	out := req.Clone(req.Context())
	out.URL.Host = h.replicas[(n+k)%2].addr
	out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	resp, err := h.base.RoundTrip(out)
	if err != nil {
		h.faults.cut.Add(1)
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		h.faults.ok.Add(1)
	case http.StatusServiceUnavailable:
		h.faults.unavailable.Add(1)
	}
	if n%4 == 2 && k < 2 {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		h.faults.lost.Add(1)
		return nil, errors.New("hop: connection reset after the answer")
	}
	return resp, nil
}

func gatewayError() *http.Response {
	w := httptest.NewRecorder()
	http.Error(w, "bad gateway", http.StatusBadGateway)
	return w.Result()
}

// issuer is the publisher's licensing system behind both replicas: each
// call it answers issues a new key, recorded per unit and per order.
type issuer struct {
	plan      *plan
	mu        sync.Mutex
	calls     map[string]int      // per unit
	issued    map[string][]string // unit → keys issued
	byOrder   map[string][]string // Nexway order number → keys issued
	runs      int
	transient int
	crashed   chan int      // the replica whose Fulfiller runs unit 0
	resume    chan struct{} // closed once that replica is dead
}

func (is *issuer) on(replica int) fulfillment.Fulfiller {
	return fulfillment.FulfillerFunc(func(ctx context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
		n := is.plan.unit(req.FulfillmentID)
		is.mu.Lock()
		is.runs++
		is.calls[req.FulfillmentID]++
		first := is.calls[req.FulfillmentID] == 1
		is.mu.Unlock()
		switch {
		case n == 0 && first:
			is.crashed <- replica
			select {
			case <-is.resume:
			case <-ctx.Done():
			}
			return nil, errors.New("the process died before issuing")
		case n%4 == 3 && first:
			is.mu.Lock()
			is.transient++
			is.mu.Unlock()
			return nil, errors.New("license database unavailable")
		}
		is.mu.Lock()
		defer is.mu.Unlock()
		key := fmt.Sprintf("PUB-%04d", is.runs)
		is.issued[req.FulfillmentID] = append(is.issued[req.FulfillmentID], key)
		is.byOrder[req.Body.Checkout.OrderID] = append(is.byOrder[req.Body.Checkout.OrderID], key)
		return &fulfillment.Result{ActivationCode: key}, nil
	})
}

// replica is one process of the publisher's service, listening on a fixed
// address; it can die and start again there with a fresh Handler.
type replica struct {
	t      *testing.T
	i      int
	pub    *issuer
	store  fulfillment.Store
	signer *fulfillment.Signer
	srv    *httptest.Server
	addr   string
	life   atomic.Pointer[life]
}

// life is one run of a replica's process.
type life struct {
	h     *fulfillment.Handler
	store *mortalStore
}

func startReplica(t *testing.T, i int, pub *issuer, store fulfillment.Store, signer *fulfillment.Signer) *replica {
	r := &replica{t: t, i: i, pub: pub, store: store, signer: signer}
	r.restart()
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.life.Load().h.ServeHTTP(w, req)
	}))
	t.Cleanup(r.srv.Close)
	r.addr = r.srv.Listener.Addr().String()
	return r
}

// restart starts a fresh Handler on the replica's store.
func (r *replica) restart() {
	ms := &mortalStore{Store: r.store}
	h, err := fulfillment.NewHandler(r.pub.on(r.i), ms,
		fulfillment.WithBasicAuth(e2eUser, e2ePassword), fulfillment.WithSignature(r.signer),
		fulfillment.WithLease(e2eLease), fulfillment.WithBusyWait(20*time.Millisecond))
	if err != nil {
		r.t.Fatal(err)
	}
	r.life.Store(&life{h: h, store: ms})
}

// die kills the running process: it can no longer reach the database, and
// its connections drop.
func (r *replica) die() {
	r.life.Load().store.dead.Store(true)
	r.srv.CloseClientConnections()
}

// mortalStore is a process's way to the shared store, which fails once the
// process is dead: a dead process neither records nor releases anything.
type mortalStore struct {
	fulfillment.Store
	dead atomic.Bool
}

var errDead = errors.New("the process is dead")

func (m *mortalStore) Claim(ctx context.Context, l fulfillment.Lease) (fulfillment.Outcome, error) {
	if m.dead.Load() {
		return fulfillment.Outcome{}, errDead
	}
	return m.Store.Claim(ctx, l)
}

func (m *mortalStore) Complete(ctx context.Context, l fulfillment.Lease, answer []byte) error {
	if m.dead.Load() {
		return errDead
	}
	return m.Store.Complete(ctx, l, answer)
}

func (m *mortalStore) Release(ctx context.Context, l fulfillment.Lease) error {
	if m.dead.Load() {
		return errDead
	}
	return m.Store.Release(ctx, l)
}
