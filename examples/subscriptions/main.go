// Subscriptions follows a subscription product through its life on the
// fake Nexway: the order and its subscription id, the status, the clock
// moved past expiry, the renewal order Nexway creates with a fresh key, and
// the cancellation, after which the license lives until expiry but does not
// renew.
//
//	go run ./examples/subscriptions
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

// vpn is the fake catalog's yearly VPN subscription.
const vpn nexway.ProductRef = 733559

func main() {
	srv, err := nexwaytest.StartServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "subscriptions:", err)
		os.Exit(2)
	}
	defer srv.Close()
	if err := run(context.Background(), os.Stdout, srv); err != nil {
		fmt.Fprintln(os.Stderr, "subscriptions:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, srv *nexwaytest.Server) error {
	c := srv.Client
	order, err := c.Orders.Create(ctx, &nexway.CreateOrderRequest{
		PartnerOrderNumber: "SUB-1001",
		OrderDate:          srv.Now(),
		Currency:           "EUR",
		Lines:              []nexway.OrderLineRequest{{ProductRef: vpn, Quantity: 1}},
		Customer: nexway.Customer{Email: "sam@example.com", Language: "en_GB",
			InvoiceLocation: nexway.Location{FirstName: "Sam", LastName: "Lee", Country: "GB"}},
	})
	if err != nil {
		return err
	}
	ids := order.SubscriptionIDs()
	if len(ids) != 1 {
		return fmt.Errorf("expected one subscription, got %v", ids)
	}
	id := ids[0]
	fmt.Fprintf(w, "order %s (Nexway %d): subscription %d, key %s\n",
		order.PartnerOrderNumber, order.OrderNumber, id, order.Lines[0].Items[0].Serials[0].Data)

	sub, err := c.Subscriptions.Status(ctx, order.PartnerOrderNumber, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "status: %s, expires %s, generation %d\n", sub.Status, sub.ExpirationDate, sub.Generation)

	// A year and a day later, Nexway has renewed it (the storefront charged
	// the shopper before expiry). Polling the status reveals the renewal.
	srv.Advance(366 * 24 * time.Hour)
	sub, err = c.Subscriptions.Status(ctx, order.PartnerOrderNumber, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "after a year: %s, expires %s, generation %d, current order %s\n",
		sub.Status, sub.ExpirationDate, sub.Generation, sub.CurrentPartnerOrderNumber)
	renewal, err := c.Orders.Get(ctx, sub.CurrentPartnerOrderNumber)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "renewal order %s (Nexway %d): new key %s\n",
		renewal.PartnerOrderNumber, renewal.OrderNumber, renewal.Lines[0].Items[0].Serials[0].Data)

	// Cancelling the subscription stops renewals; the license keeps
	// working until it expires.
	sub, err = c.Subscriptions.Cancel(ctx, order.PartnerOrderNumber, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "cancelled: %s, license valid until %s\n", sub.Status, sub.ExpirationDate)
	srv.Advance(366 * 24 * time.Hour)
	sub, err = c.Subscriptions.Status(ctx, order.PartnerOrderNumber, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "a year later: %s, generation %d (no renewal)\n", sub.Status, sub.Generation)
	return nil
}
