package nexway_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

func keysOf(o *nexway.Order) []string {
	var ks []string
	for _, l := range o.Lines {
		for _, it := range l.Items {
			for _, s := range it.Serials {
				ks = append(ks, s.Data)
			}
		}
	}
	return ks
}

// The whole purchase flow, checked against what the fake stored.
func TestPurchaseFlow(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t)
	c := srv.Client
	left := srv.KeysLeft(733551)

	st, err := c.Stock.Status(ctx, []nexway.ProductRef{733551})
	if err != nil || st.Products[0].Level != nexway.InStock {
		t.Fatalf("stock: %+v, %v", st, err)
	}
	offers, err := c.CrossSell.Offers(ctx, "EN", []nexway.CartItem{{ProductRef: 733551, Quantity: 1}})
	if err != nil || len(offers.Products) == 0 {
		t.Fatalf("offers: %+v, %v", offers, err)
	}
	// The shopper takes the download-extension option with two licenses.
	req := order("FLOW-1", 733551, 2)
	req.Lines = append(req.Lines, nexway.OrderLineRequest{ProductRef: 733560, Quantity: 1})
	created, err := c.Orders.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	stored, ok := srv.Order("FLOW-1")
	if !ok || int64(stored.OrderNumber) != int64(created.OrderNumber) {
		t.Fatalf("stored %+v, created %d", stored, created.OrderNumber)
	}
	if keys := keysOf(created); len(keys) != 2 || !slices.Equal(keys, stored.Lines[0].Keys) {
		t.Errorf("keys %v, stored %v", keys, stored.Lines[0].Keys)
	}
	if srv.KeysLeft(733551) != left-2 {
		t.Errorf("pool went from %d to %d for 2 keys", left, srv.KeysLeft(733551))
	}
	// 21 days, plus the year of the download-extension option.
	end := created.Lines[0].DateEndDownload
	if want := nexway.DateOf(nexwaytest.DefaultStartTime().AddDate(1, 0, 21)); end != want {
		t.Errorf("download end %v, want %v", end, want)
	}
	got, err := c.Orders.Get(ctx, "FLOW-1")
	if err != nil || got.OrderNumber != created.OrderNumber || !slices.Equal(keysOf(got), keysOf(created)) {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if _, err := c.Downloads.Extend(ctx, "FLOW-1", nexway.ExtendByPeriod(nexway.Period{Months: 1})); err != nil {
		t.Fatal(err)
	}
	info, err := c.Downloads.Info(ctx, "FLOW-1")
	if err != nil || info.DownloadEndDate != nexway.DateOf(nexwaytest.DefaultStartTime().AddDate(1, 1, 21)) {
		t.Fatalf("info: %+v, %v", info, err)
	}
	if _, err := c.Orders.Cancel(ctx, "FLOW-1", nexway.ReasonIncompatible, "wrong OS"); err != nil {
		t.Fatal(err)
	}
	if s, _ := srv.Order("FLOW-1"); !s.Cancelled {
		t.Error("the fake did not record the cancellation")
	}
	if _, err := c.Downloads.Extend(ctx, "FLOW-1", nexway.ExtendBy(24*time.Hour)); !errors.Is(err, nexway.ErrAlreadyCancelled) {
		t.Errorf("extending a cancelled order: %v", err)
	}
}

func TestSubscriptionRenewals(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t)
	c := srv.Client
	o, err := c.Orders.Create(ctx, order("SUB-1", 733570, 1)) // monthly
	if err != nil {
		t.Fatal(err)
	}
	id := o.SubscriptionIDs()[0]
	srv.Advance(3*31*24*time.Hour + time.Hour) // three renewals due
	sub, err := c.Subscriptions.Status(ctx, "SUB-1", id)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Generation != 3 || sub.CurrentPartnerOrderNumber != "SUB-1-3" || sub.Status != nexway.SubscriptionActive {
		t.Fatalf("after three months: %+v", sub)
	}
	seen := map[string]bool{keysOf(o)[0]: true}
	for g := 1; g <= 3; g++ {
		r, err := c.Orders.Get(ctx, nexway.RenewalOrderNumber("SUB-1", g))
		if err != nil {
			t.Fatalf("renewal %d: %v", g, err)
		}
		k := keysOf(r)
		if len(k) != 1 || seen[k[0]] {
			t.Errorf("renewal %d keys %v: want one fresh key", g, k)
		}
		seen[k[0]] = true
	}
	if _, err := c.Subscriptions.Cancel(ctx, "SUB-1", id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Subscriptions.Cancel(ctx, "SUB-1", id); !errors.Is(err, nexway.ErrAlreadyCancelled) {
		t.Errorf("second cancel: %v", err)
	}
	srv.Advance(62 * 24 * time.Hour)
	sub, err = c.Subscriptions.Status(ctx, "SUB-1", id)
	if err != nil || sub.Status != nexway.SubscriptionExpired || sub.Generation != 3 {
		t.Errorf("after cancel and expiry: %+v, %v", sub, err)
	}
	if _, err := c.Subscriptions.Status(ctx, "SUB-1", id+1); !errors.Is(err, nexway.ErrNotFound) {
		t.Errorf("unknown subscription: %v", err)
	}
}

// Cancelling the order ends its subscription at once.
func TestCancelOrderEndsSubscription(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t)
	o, err := srv.Client.Orders.Create(ctx, order("SUB-2", 733559, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client.Orders.Cancel(ctx, "SUB-2", nexway.ReasonFraudChargeback, ""); err != nil {
		t.Fatal(err)
	}
	sub, err := srv.Client.Subscriptions.Status(ctx, "SUB-2", o.SubscriptionIDs()[0])
	if err != nil || sub.Status != nexway.SubscriptionExpired {
		t.Errorf("subscription of a cancelled order: %+v, %v", sub, err)
	}
}

func TestBatchPoolExhaustion(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t)
	c := srv.Client
	// 733558 starts with 5 keys and is low at 2.
	levels := []nexway.StockLevel{}
	for i := range 5 {
		st, err := c.Stock.Status(ctx, []nexway.ProductRef{733558})
		if err != nil {
			t.Fatal(err)
		}
		levels = append(levels, st.Products[0].Level)
		if _, err := c.Orders.Create(ctx, order("POOL-"+string(rune('A'+i)), 733558, 1)); err != nil {
			t.Fatal(err)
		}
	}
	if want := []nexway.StockLevel{nexway.InStock, nexway.InStock, nexway.InStock, nexway.LowStock, nexway.LowStock}; !slices.Equal(levels, want) {
		t.Errorf("levels %v, want %v", levels, want)
	}
	st, _ := c.Stock.Status(ctx, []nexway.ProductRef{733558})
	if st.Products[0].Level != nexway.OutOfStock {
		t.Errorf("empty pool level %v", st.Products[0].Level)
	}
	// An order the pool cannot serve in full draws nothing.
	if err := srv.AddKeys(733558, "LAST-KEY"); err != nil {
		t.Fatal(err)
	}
	_, err := c.Orders.Create(ctx, order("POOL-X", 733558, 2))
	if !errors.Is(err, nexway.ErrOutOfStock) {
		t.Fatalf("%v, want ErrOutOfStock", err)
	}
	if srv.KeysLeft(733558) != 1 {
		t.Errorf("a refused order drew keys: %d left", srv.KeysLeft(733558))
	}
	if _, ok := srv.Order("POOL-X"); ok {
		t.Error("a refused order was stored")
	}
}

// Real time through the publisher's HTTP endpoint: a failure leaves the
// item without a key, and a later read delivers it.
func TestRealTimePublisherFailureThenRecovery(t *testing.T) {
	srv := nexwaytest.NewServer(t)
	var down atomic.Bool
	var calls atomic.Int32
	pub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if u, p, ok := r.BasicAuth(); !ok || u != "nx" || p != "pw" || r.URL.Path != "/licenses/new" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"activationCode":"PUB-` + strconv.Itoa(int(n)) + `"}`))
	}))
	defer pub.Close()
	if err := srv.SetPublisher(733552, &nexwaytest.HTTPPublisher{BaseURL: pub.URL, Username: "nx", Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	o, err := srv.Client.Orders.Create(ctx, order("RT-1", 733552, 2))
	if err != nil {
		t.Fatal(err)
	}
	if o.Delivered() || len(keysOf(o)) != 0 || o.Lines[0].Items[0].ResponseCode != 1051 {
		t.Fatalf("order while the publisher is down: %+v", o)
	}
	down.Store(false)
	o, err = srv.Client.Orders.AwaitDelivery(ctx, "RT-1", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if k := keysOf(o); len(k) != 2 || !strings.HasPrefix(k[0], "PUB-") || k[0] == k[1] {
		t.Errorf("keys after recovery: %v", k)
	}
	if calls.Load() < 4 {
		t.Errorf("the publisher was called %d times, want at least 4 (2 failed, 2 delivered)", calls.Load())
	}
}

func TestRealTimePublisherFunc(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t)
	var asked []nexwaytest.LicenseRequest
	err := srv.SetPublisher(733551, nexwaytest.PublisherFunc(func(_ context.Context, r nexwaytest.LicenseRequest) (string, error) {
		asked = append(asked, r)
		return "FN-" + r.LineItemID, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	o, err := srv.Client.Orders.Create(ctx, order("RT-2", 733551, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0].ProductRef != 733551 || asked[0].Email != "jane.doe@example.com" || keysOf(o)[0] != "FN-"+asked[0].LineItemID {
		t.Errorf("asked %+v, keys %v", asked, keysOf(o))
	}
}

func TestPendingOrders(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t)
	if err := srv.HoldNext(2, 1060); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"PEND-1", "PEND-2"} {
		if _, err := srv.Client.Orders.Create(ctx, order(n, 733551, 1)); !errors.Is(err, nexway.ErrPending) {
			t.Fatalf("%s: %v, want ErrPending", n, err)
		}
	}
	if err := srv.Reject("PEND-2", 1064); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client.Orders.Get(ctx, "PEND-2"); !errors.Is(err, nexway.ErrOrderRejected) {
		t.Errorf("rejected: %v", err)
	}
	if _, err := srv.Client.Orders.Get(ctx, "PEND-1"); !errors.Is(err, nexway.ErrPending) {
		t.Errorf("still pending: %v", err)
	}
	if err := srv.Release("PEND-1"); err != nil {
		t.Fatal(err)
	}
	if o, err := srv.Client.Orders.Get(ctx, "PEND-1"); err != nil || len(keysOf(o)) != 1 {
		t.Errorf("released: %+v, %v", o, err)
	}
}

func TestCancelRules(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t, nexwaytest.WithCancelPeriod(14*24*time.Hour))
	c := srv.Client
	for _, n := range []string{"C-1", "C-2"} {
		if _, err := c.Orders.Create(ctx, order(n, 733551, 1)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Orders.Cancel(ctx, "C-1", nexway.ReasonOrderCancelled, ""); err != nil {
		t.Fatal(err)
	}
	srv.Advance(15 * 24 * time.Hour)
	if _, err := c.Orders.Cancel(ctx, "C-2", nexway.ReasonOrderCancelled, ""); !errors.Is(err, nexway.ErrCancelNotAllowed) {
		t.Errorf("after the cancel period: %v", err)
	}
	if _, err := c.Orders.Cancel(ctx, "C-404", nexway.ReasonOrderCancelled, ""); !errors.Is(err, nexway.ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}
	if err := srv.AddProducts(nexwaytest.Product{Ref: 800100, Name: "Final sale", AmountDutyFree: 1, Currency: "EUR",
		Delivery: nexwaytest.DeliverySerial, Fulfillment: nexwaytest.FulfillRealTime, NotCancellable: true}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetPublisher(800100, nexwaytest.GeneratedKeys("FS")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Orders.Create(ctx, order("C-3", 800100, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Orders.Cancel(ctx, "C-3", nexway.ReasonOrderCancelled, ""); !errors.Is(err, nexway.ErrCancelNotAllowed) {
		t.Errorf("not cancellable: %v", err)
	}
}

// Tokens expire on the fake's clock: the client gets a 401, renews and
// carries on.
func TestTokenExpiryOnTheFake(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t, nexwaytest.WithTokenLifetimes(time.Minute, 10*time.Minute))
	stock := func() {
		t.Helper()
		if _, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551}); err != nil {
			t.Fatal(err)
		}
	}
	stock()
	srv.Advance(2 * time.Minute) // access token expired, refresh token valid
	stock()
	srv.Advance(time.Hour) // both expired
	stock()
	var statuses []int
	for _, r := range srv.Requests() {
		if r.Route == nexwaytest.RouteToken {
			statuses = append(statuses, r.Status)
		}
	}
	// Initial grant; refresh after a 401; refresh refused, credentials again.
	if want := []int{200, 200, 401, 200}; !slices.Equal(statuses, want) {
		t.Errorf("token requests answered %v, want %v", statuses, want)
	}
}

// One line, no options: the fake needs nothing else.
func TestNewServerNeedsNothing(t *testing.T) {
	t.Parallel()
	if _, err := nexwaytest.NewServer(t).Client.Catalog.OperatingSystems(ctx); err != nil {
		t.Fatal(err)
	}
	srv := nexwaytest.NewServer(t, nexwaytest.WithoutCredentials(), nexwaytest.WithoutCatalog())
	st, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551})
	if err != nil || st.Products[0].ResponseCode != 1010 {
		t.Errorf("empty catalog: %+v, %v", st, err)
	}
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request logged")
	}
	for _, r := range reqs {
		if r.Header.Get("Authorization") != "" {
			t.Error("a token was sent without credentials")
		}
	}
}

// With the default nexwaytest client, a create whose first answer is lost
// or whose connection drops still makes exactly one order, and returns it.
func TestCreateAnswerLostOnTheFake(t *testing.T) {
	t.Parallel()
	for _, kind := range []nexwaytest.FaultKind{nexwaytest.FaultLoseResponse, nexwaytest.FaultDrop} {
		t.Run(kind.String(), func(t *testing.T) {
			srv := nexwaytest.NewServer(t)
			srv.InjectFault(nexwaytest.RouteCreateOrder, nexwaytest.Fault{Kind: kind})
			created, err := srv.Client.Orders.Create(ctx, order("LOST-1", 733551, 1))
			if err != nil {
				t.Fatal(err)
			}
			orders := srv.Orders()
			if len(orders) != 1 || int64(orders[0].OrderNumber) != int64(created.OrderNumber) || !slices.Equal(keysOf(created), orders[0].Lines[0].Keys) {
				t.Fatalf("returned %d %v; stored %+v", created.OrderNumber, keysOf(created), orders)
			}
			if c := srv.Counts()[nexwaytest.RouteCreateOrder]; c.Requests != 2 || c.Faulted != 1 {
				t.Errorf("create requests = %+v, want 2 with 1 faulted", c)
			}
		})
	}
}
