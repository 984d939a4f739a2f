// Quickstart runs a storefront's purchase flow against Nexway Connect:
// stock, offers for the cart, the order with its license keys and download
// links, a longer download window, the download info, and a cancellation.
//
// By default it runs on the fake Nexway of package nexwaytest, in-process,
// with no credentials and no network:
//
//	go run ./examples/quickstart
//
// With -live it runs against Nexway (staging unless -base says otherwise),
// with the credentials in NEXWAY_SECRET, NEXWAY_REALM and
// NEXWAY_CLIENT_SECRET. It creates, then cancels, a real order.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

func main() {
	live := flag.Bool("live", false, "run against Nexway instead of the embedded fake")
	base := flag.String("base", nexway.StagingURL, "API base URL with -live")
	product := flag.Int64("product", 733551, "product to buy")
	flag.Parse()

	client, cleanup, err := connect(*live, *base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(2)
	}
	defer cleanup()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, client, nexway.ProductRef(*product)); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// connect returns a client for the fake, or for Nexway with -live.
func connect(live bool, base string) (*nexway.Client, func(), error) {
	if !live {
		srv, err := nexwaytest.StartServer()
		if err != nil {
			return nil, nil, err
		}
		return srv.Client, srv.Close, nil
	}
	secret, realm, clientSecret := os.Getenv("NEXWAY_SECRET"), os.Getenv("NEXWAY_REALM"), os.Getenv("NEXWAY_CLIENT_SECRET")
	if secret == "" || realm == "" || clientSecret == "" {
		return nil, nil, errors.New("-live needs NEXWAY_SECRET, NEXWAY_REALM and NEXWAY_CLIENT_SECRET")
	}
	c, err := nexway.NewClient(nexway.WithBaseURL(base), nexway.WithSecret(secret),
		nexway.WithCredentials(realm, clientSecret), nexway.WithUserAgent("nexway-go-quickstart"))
	if err != nil {
		return nil, nil, err
	}
	return c, c.CloseIdleConnections, nil
}

func run(ctx context.Context, w io.Writer, c *nexway.Client, product nexway.ProductRef) error {
	fmt.Fprintln(w, "1. Stock, before the product goes into the cart")
	st, err := c.Stock.Status(ctx, []nexway.ProductRef{product})
	if err != nil {
		return err
	}
	p, ok := st.Find(product)
	if !ok || !p.Level.Orderable() {
		return fmt.Errorf("product %d cannot be ordered (%v)", product, p.Level)
	}
	fmt.Fprintf(w, "   product %d: %v\n", product, p.Level)

	fmt.Fprintln(w, "2. Offers for the cart")
	cart := []nexway.CartItem{{ProductRef: product, Quantity: 1}}
	offers, err := c.CrossSell.Offers(ctx, "EN", cart)
	if err != nil {
		return err
	}
	for _, o := range offers.Products {
		fmt.Fprintf(w, "   %-6s %d %s\n", o.Type, o.Ref, o.Name)
	}

	fmt.Fprintln(w, "3. Payment taken by the storefront")

	fmt.Fprintln(w, "4. Order created at Nexway")
	number := fmt.Sprintf("QS-%d", time.Now().UnixNano())
	order, err := c.Orders.Create(ctx, &nexway.CreateOrderRequest{
		PartnerOrderNumber: number,
		OrderDate:          time.Now(),
		Currency:           "EUR",
		Lines:              []nexway.OrderLineRequest{{ProductRef: product, Quantity: 1}},
		Customer: nexway.Customer{
			Email:    "jane.doe@example.com",
			Language: "fr_FR",
			InvoiceLocation: nexway.Location{
				Title: 1, FirstName: "Jane", LastName: "Doe",
				Address1: "1 rue Exemple", ZipCode: "75001", City: "Paris", Country: "FR",
			},
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   Nexway order number: %d\n", order.OrderNumber)

	fmt.Fprintln(w, "5. Delivered to the shopper")
	for _, line := range order.Lines {
		for _, item := range line.Items {
			for _, s := range item.Serials {
				fmt.Fprintf(w, "   license key: %s\n", s.Data)
			}
		}
		for _, f := range line.Files {
			fmt.Fprintf(w, "   download: %s (%s, %.0f bytes) until %s\n", f.Label, f.URL, f.Size, line.DateEndDownload)
		}
	}
	ext, err := c.Downloads.Extend(ctx, number, nexway.ExtendBy(7*24*time.Hour))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   download window extended to %s\n", ext.NewDownloadEndDate)
	info, err := c.Downloads.Info(ctx, number)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   download info: %d line(s), downloadable until %s\n", len(info.Lines), info.DownloadEndDate)

	fmt.Fprintln(w, "6. Order cancelled (license revoked, refund owed)")
	canc, err := c.Orders.Cancel(ctx, number, nexway.ReasonCustomerUnsatisfied, "quickstart")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   order %d cancelled\n", canc.OrderNumber)
	return nil
}
