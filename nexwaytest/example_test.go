package nexwaytest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"golang.org/x/time/rate"
)

// checkout is the storefront code under test: it refuses products out of
// stock, then orders.
func checkout(ctx context.Context, c *nexway.Client, number string, ref nexway.ProductRef) (*nexway.Order, error) {
	st, err := c.Stock.Status(ctx, []nexway.ProductRef{ref})
	if err != nil {
		return nil, err
	}
	if !st.Products[0].Level.Orderable() {
		return nil, fmt.Errorf("product %d is out of stock", ref)
	}
	return c.Orders.Create(ctx, &nexway.CreateOrderRequest{
		PartnerOrderNumber: number,
		OrderDate:          nexwaytest.DefaultStartTime(),
		Currency:           "EUR",
		Lines:              []nexway.OrderLineRequest{{ProductRef: ref, Quantity: 1}},
		Customer: nexway.Customer{
			Email:           "jane.doe@example.com",
			Language:        "en_GB",
			InvoiceLocation: nexway.Location{FirstName: "Jane", LastName: "Doe", City: "London", Country: "GB"},
		},
	})
}

// In a test, the server starts in one line and stops at the test's end:
//
//	srv := nexwaytest.NewServer(t)
//
// Outside a test, StartServer and Close do the same. The knobs seed a
// product with its batch of keys, inject a fault the client retries past,
// and move the clock past the download window.
func ExampleStartServer() {
	srv, err := nexwaytest.StartServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	// A product of our own, with two license keys loaded.
	if err := srv.AddProducts(nexwaytest.Product{Ref: 500001, Name: "Star Pilot", AmountDutyFree: 19.99, Currency: "EUR",
		Delivery: nexwaytest.DeliverySerialAndDownload, Files: []nexwaytest.File{{Label: "Installer", Type: "exe", URLPath: "star-pilot.exe", Size: 4e9}},
		Fulfillment: nexwaytest.FulfillBatch}); err != nil {
		log.Fatal(err)
	}
	if err := srv.AddKeys(500001, "STAR-0001", "STAR-0002"); err != nil {
		log.Fatal(err)
	}

	// The first order meets a 503; the client retries it.
	srv.InjectFault(nexwaytest.RouteCreateOrder, nexwaytest.Fault{Kind: nexwaytest.FaultStatus, Status: 503})
	for _, number := range []string{"SHOP-1", "SHOP-2", "SHOP-3"} {
		o, err := checkout(ctx, srv.Client, number, 500001)
		if err != nil {
			fmt.Println(number, "refused:", err)
			continue
		}
		fmt.Println(number, "key", o.Lines[0].Items[0].Serials[0].Data)
	}
	fmt.Println("create-order requests:", srv.Counts()[nexwaytest.RouteCreateOrder].Requests)

	// The download window is 21 days; 22 days later it has closed.
	info, err := srv.Client.Downloads.Info(ctx, "SHOP-1")
	if err != nil {
		log.Fatal(err)
	}
	srv.Advance(22 * 24 * time.Hour)
	fmt.Println("download until", info.DownloadEndDate, "open 22 days later:", !info.DownloadEndDate.Before(nexway.DateOf(srv.Now())))
	// Output:
	// SHOP-1 key STAR-0001
	// SHOP-2 key STAR-0002
	// SHOP-3 refused: product 500001 is out of stock
	// create-order requests: 3
	// download until 2026-01-26 open 22 days later: false
}

// With Nexway's rate limit on, a client that sends more than the limit
// meets 429s. Here the limit is one request an hour, so that the second
// call's Retry-After passes what the Client waits for, and the call fails
// at once instead of retrying.
func ExampleServer_SetRateLimit() {
	srv, err := nexwaytest.StartServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.SetRateLimit(rate.Every(time.Hour), 1)

	for range 2 {
		_, err := srv.Client.Stock.Status(context.Background(), []nexway.ProductRef{733551})
		var apiErr *nexway.APIError
		if errors.As(err, &apiErr) {
			fmt.Println("rate limited:", errors.Is(err, nexway.ErrRateLimited), "retry after", apiErr.RetryAfter)
			continue
		}
		fmt.Println("stock:", err)
	}
	fmt.Println("refused:", srv.RateLimited()[nexwaytest.Secret], srv.Counts()[nexwaytest.RouteStock])
	// Output:
	// stock: <nil>
	// rate limited: true retry after 1h0m0s
	// refused: 1 {2 0 1}
}
