// Fulfillment shows, on the fake Nexway, the two ways Nexway obtains
// license keys. Run it with: go run ./examples/fulfillment
//
//   - Real time: for each unit ordered, Nexway asks the publisher's
//     fulfillment endpoint (POST .../licenses/new, HTTP Basic auth) for a
//     key. Here the publisher runs on loopback; while it fails, the order
//     is created without the key and Nexway keeps trying.
//   - Batch: the publisher loaded a CSV of keys; each order draws from it,
//     the stock level falls as the pool empties, and an order the pool
//     cannot serve is refused.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

func main() {
	srv, err := nexwaytest.StartServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fulfillment:", err)
		os.Exit(2)
	}
	defer srv.Close()
	ctx := context.Background()
	if err := realTime(ctx, os.Stdout, srv); err != nil {
		fmt.Fprintln(os.Stderr, "fulfillment:", err)
		os.Exit(1)
	}
	if err := batch(ctx, os.Stdout, srv); err != nil {
		fmt.Fprintln(os.Stderr, "fulfillment:", err)
		os.Exit(1)
	}
}

// publisher is a publisher's fulfillment endpoint: it checks Basic auth and
// answers {"licenses":[{"key":...}]}, or fails while down is set.
type publisher struct {
	down atomic.Bool
	mu   sync.Mutex
	n    int
}

func (p *publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != "nexway" || pass != "s3cret" || r.URL.Path != "/licenses/new" {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var req struct {
		FulfillmentID string `json:"fulfillmentId"`
		Product       struct {
			ID string `json:"id"`
		} `json:"product"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if p.down.Load() {
		// A business failure: 200 with an error code, as Nexway expects.
		fmt.Fprint(w, `{"error":{"code":"LICENSE_POOL_EXHAUSTED","message":"no licenses left"}}`)
		return
	}
	p.mu.Lock()
	p.n++
	key := fmt.Sprintf("PUB-%s-%04d", req.Product.ID, p.n)
	p.mu.Unlock()
	fmt.Fprintf(w, `{"licenses":[{"key":%q}]}`, key)
}

func realTime(ctx context.Context, w io.Writer, srv *nexwaytest.Server) error {
	fmt.Fprintln(w, "Real-time fulfillment")
	pub := &publisher{}
	endpoint := httptest.NewServer(pub)
	defer endpoint.Close()
	const suite = 733552 // the fake's security suite, fulfilled in real time
	if err := srv.SetPublisher(suite, &nexwaytest.HTTPPublisher{BaseURL: endpoint.URL, Username: "nexway", Password: "s3cret"}); err != nil {
		return err
	}
	order, err := srv.Client.Orders.Create(ctx, newOrder("RT-1", suite, 2))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  order %s: keys %s\n", order.PartnerOrderNumber, keys(order))

	pub.down.Store(true)
	order, err = srv.Client.Orders.Create(ctx, newOrder("RT-2", suite, 1))
	if err != nil {
		return err
	}
	item := order.Lines[0].Items[0]
	fmt.Fprintf(w, "  order %s while the publisher fails: delivered=%v, item code %d (%s)\n",
		order.PartnerOrderNumber, order.Delivered(), item.ResponseCode, item.ResponseMessage)

	pub.down.Store(false)
	order, err = srv.Client.Orders.AwaitDelivery(ctx, "RT-2", 10*time.Millisecond)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  order %s once the publisher is back: delivered=%v, keys %s\n", order.PartnerOrderNumber, order.Delivered(), keys(order))
	return nil
}

func batch(ctx context.Context, w io.Writer, srv *nexwaytest.Server) error {
	fmt.Fprintln(w, "Batch fulfillment")
	// A game whose publisher sent a batch of three keys; stock is low from
	// the last key on.
	const game = 800001
	if err := srv.AddProducts(nexwaytest.Product{
		Ref: game, Name: "Star Miner", AmountDutyFree: 16.66, Currency: "EUR",
		Delivery: nexwaytest.DeliverySerial, Fulfillment: nexwaytest.FulfillBatch, LowStockThreshold: 1,
	}); err != nil {
		return err
	}
	csv := "productRef,licenseKey\n800001,SM-AAAA-0001\n800001,SM-AAAA-0002\n800001,SM-AAAA-0003\n"
	if err := srv.LoadKeysCSV(strings.NewReader(csv)); err != nil {
		return err
	}
	for i := 1; ; i++ {
		st, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{game})
		if err != nil {
			return err
		}
		level := st.Products[0].Level
		number := fmt.Sprintf("B-%d", i)
		order, err := srv.Client.Orders.Create(ctx, newOrder(number, game, 1))
		if errors.Is(err, nexway.ErrOutOfStock) {
			fmt.Fprintf(w, "  stock %-12s order %s refused: %v\n", level, number, err)
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  stock %-12s order %s: key %s (%d left)\n", level, number, keys(order), srv.KeysLeft(game))
	}
}

func newOrder(number string, product nexway.ProductRef, quantity int) *nexway.CreateOrderRequest {
	return &nexway.CreateOrderRequest{
		PartnerOrderNumber: number,
		OrderDate:          nexwaytest.DefaultStartTime(),
		Currency:           "EUR",
		Lines:              []nexway.OrderLineRequest{{ProductRef: product, Quantity: quantity}},
		Customer: nexway.Customer{Email: "kim@example.com", Language: "de_DE",
			InvoiceLocation: nexway.Location{FirstName: "Kim", LastName: "Berg", Country: "DE"}},
	}
}

func keys(o *nexway.Order) string {
	var ks []string
	for _, l := range o.Lines {
		for _, it := range l.Items {
			for _, s := range it.Serials {
				ks = append(ks, s.Data)
			}
		}
	}
	return strings.Join(ks, ", ")
}
