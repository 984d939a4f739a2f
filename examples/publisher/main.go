// Publisher is a publisher's real-time fulfillment server: Nexway calls it
// for a license key for each unit sold, and it issues each key exactly
// once, however often Nexway retries. It keeps its units in SQLite, and
// checks Nexway's HTTP Basic credentials and request signature. Here the
// fake Nexway of package nexwaytest calls it when a storefront buys:
//
//	go run ./examples/publisher
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/fulfillment"
	"github.com/nexway-go/nexway/fulfillment/sqlstore"
	"github.com/nexway-go/nexway/nexwaytest"
)

// Set for the integration at Nexway: the Basic credentials, the signing
// key (returned once by Nexway's POST /signing-keys) and the signed fields.
const (
	user       = "nexway"
	password   = "fulfillment-password"
	signingKey = "signing-key-from-nexway"
)

var signedFields = []string{"$.fulfillmentId", "$.checkout.orderId", "$.product.id"}

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "publisher:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	dir, err := os.MkdirTemp("", "publisher")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := sqlstore.OpenSQLite(filepath.Join(dir, "fulfillment.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := sqlstore.New(db, sqlstore.SQLite, "")
	if err != nil {
		return err
	}
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	signer, err := fulfillment.NewSigner(signingKey, signedFields...)
	if err != nil {
		return err
	}

	// The publisher's own code: issue a key for one unit.
	var serial atomic.Int64
	issue := fulfillment.FulfillerFunc(func(ctx context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
		key := fmt.Sprintf("ACME-%s-%04d", req.Body.Product.ID, serial.Add(1))
		fmt.Fprintf(out, "publisher:  issued %s for unit %s of Nexway order %s\n", key, req.FulfillmentID, req.Body.Checkout.OrderID)
		return &fulfillment.Result{ActivationCode: key}, nil
	})
	h, err := fulfillment.NewHandler(issue, store, fulfillment.WithBasicAuth(user, password), fulfillment.WithSignature(signer))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/nexway/", http.StripPrefix("/nexway", h))
	server := httptest.NewServer(mux) // in production: http.ListenAndServeTLS
	defer server.Close()

	resp, err := http.Post(server.URL+"/nexway/licenses/new", "application/json", strings.NewReader(`{"fulfillmentId":"forged"}`))
	if err != nil {
		return err
	}
	resp.Body.Close()
	fmt.Fprintf(out, "publisher:  a call without Nexway's credentials gets %s\n", resp.Status)

	// Nexway, faked, fulfils its product 733552 through the server above.
	fake, err := nexwaytest.StartServer()
	if err != nil {
		return err
	}
	defer fake.Close()
	err = fake.SetPublisher(733552, &nexwaytest.HTTPPublisher{BaseURL: server.URL + "/nexway",
		Username: user, Password: password, SigningSecret: signingKey, SignedFields: signedFields})
	if err != nil {
		return err
	}

	// A storefront buys two licences.
	order, err := fake.Client.Orders.Create(ctx, &nexway.CreateOrderRequest{
		PartnerOrderNumber: "SHOP-1001",
		OrderDate:          nexwaytest.DefaultStartTime(),
		Currency:           "EUR",
		Lines:              []nexway.OrderLineRequest{{ProductRef: 733552, Quantity: 2}},
		Customer: nexway.Customer{Email: "jane.doe@example.com", Language: "fr_FR",
			InvoiceLocation: nexway.Location{FirstName: "Jane", LastName: "Doe", City: "Paris", Country: "FR"}},
	})
	if err != nil {
		return err
	}
	for _, it := range order.Lines[0].Items {
		for _, s := range it.Serials {
			fmt.Fprintf(out, "storefront: order %s (Nexway %d) delivered key %s\n", order.PartnerOrderNumber, order.OrderNumber, s.Data)
		}
	}
	if !order.Delivered() {
		return fmt.Errorf("order %s not delivered", order.PartnerOrderNumber)
	}
	return nil
}
