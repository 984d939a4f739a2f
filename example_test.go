package nexway_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

var ctx = context.Background()

// fakeNexway starts the fake server the examples run on.
func fakeNexway() *nexwaytest.Server {
	srv, err := nexwaytest.StartServer()
	if err != nil {
		log.Fatal(err)
	}
	return srv
}

// order returns a request for quantity units of product.
func order(number string, product nexway.ProductRef, quantity int) *nexway.CreateOrderRequest {
	return &nexway.CreateOrderRequest{
		PartnerOrderNumber: number,
		OrderDate:          nexwaytest.DefaultStartTime(),
		Currency:           "EUR",
		Lines:              []nexway.OrderLineRequest{{ProductRef: product, Quantity: quantity}},
		Customer: nexway.Customer{
			Email:           "jane.doe@example.com",
			Language:        "fr_FR",
			InvoiceLocation: nexway.Location{FirstName: "Jane", LastName: "Doe", City: "Paris", Country: "FR"},
		},
	}
}

func ExampleNewClient() {
	c, err := nexway.NewClient(
		nexway.WithSecret(os.Getenv("NEXWAY_SECRET")),
		nexway.WithCredentials(os.Getenv("NEXWAY_REALM"), os.Getenv("NEXWAY_CLIENT_SECRET")),
		nexway.WithBaseURL(nexway.StagingURL),
	)
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}

func ExampleStockService_Status() {
	srv := fakeNexway()
	defer srv.Close()

	st, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551, 733562, 999})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range st.Products {
		if p.ResponseCode != 0 {
			fmt.Println(p.ProductRef, "unknown:", p.ResponseCode)
			continue
		}
		fmt.Println(p.ProductRef, p.Level, p.Level.Orderable())
	}
	// Output:
	// 733551 in stock true
	// 733562 out of stock false
	// 999 unknown: 1010
}

func ExampleCrossSellService_Offers() {
	srv := fakeNexway()
	defer srv.Close()

	offers, err := srv.Client.CrossSell.Offers(ctx, "EN", []nexway.CartItem{{ProductRef: 733551, Quantity: 1}})
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range offers.Products {
		fmt.Printf("%-6s %d %s %.2f %s\n", o.Type, o.Ref, o.Name, *o.AmountDutyFree, o.Currency)
	}
	// Output:
	// up     733552 Nexway Total Security 2026 66.66 EUR
	// cross  733559 Nexway VPN 33.33 EUR
	// option 733560 Download extension (1 year) 4.99 EUR
	// option 733561 Backup DVD 9.99 EUR
}

func ExampleOrdersService_Create() {
	srv := fakeNexway()
	defer srv.Close()

	o, err := srv.Client.Orders.Create(ctx, order("SHOP-1001", 733551, 1))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Nexway order number:", o.OrderNumber)
	for _, line := range o.Lines {
		for _, item := range line.Items {
			for _, s := range item.Serials {
				fmt.Println("key:", s.Data)
			}
		}
		for _, f := range line.Files {
			fmt.Println("file:", f.Label, f.URL)
		}
		fmt.Println("downloadable until", line.DateEndDownload)
	}
	// Output:
	// Nexway order number: 10000001
	// key: NAP-52A4-8CZP-ZCY4
	// file: Setup https://download.nexway.test/10000001/NexwayAntivirusPro2026_Setup.exe
	// file: User guide https://download.nexway.test/10000001/NexwayAntivirusPro2026_UserGuide.pdf
	// downloadable until 2026-01-26
}

// A product out of stock is refused.
func ExampleOrdersService_Create_outOfStock() {
	srv := fakeNexway()
	defer srv.Close()

	_, err := srv.Client.Orders.Create(ctx, order("SHOP-1002", 733562, 1))
	fmt.Println(errors.Is(err, nexway.ErrOutOfStock))
	var apiErr *nexway.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Operation, apiErr.ResponseCode, apiErr.Meaning)
	}
	// Output:
	// true
	// CreateOrder 1044 out of stock
}

func ExampleOrdersService_Get() {
	srv := fakeNexway()
	defer srv.Close()
	if _, err := srv.Client.Orders.Create(ctx, order("SHOP-1003", 733558, 2)); err != nil {
		log.Fatal(err)
	}

	o, err := srv.Client.Orders.Get(ctx, "SHOP-1003")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o.OrderNumber, o.Lines[0].ProductRef, len(o.Lines[0].Items), "keys")

	_, err = srv.Client.Orders.Get(ctx, "SHOP-404")
	fmt.Println(errors.Is(err, nexway.ErrNotFound))
	// Output:
	// 10000001 733558 2 keys
	// true
}

// An order waiting for payment or fraud validation is delivered later.
func ExampleOrdersService_AwaitDelivery() {
	srv := fakeNexway()
	defer srv.Close()
	// The next order waits for the fraud check.
	if err := srv.HoldNext(1, 1061); err != nil {
		log.Fatal(err)
	}

	_, err := srv.Client.Orders.Create(ctx, order("SHOP-1004", 733551, 1))
	fmt.Println(errors.Is(err, nexway.ErrPending))

	if err := srv.Release("SHOP-1004"); err != nil { // the fraud check passes
		log.Fatal(err)
	}
	o, err := srv.Client.Orders.AwaitDelivery(ctx, "SHOP-1004", time.Second)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o.Delivered(), o.Lines[0].Items[0].Serials[0].Data)
	// Output:
	// true
	// true NAP-52A4-8CZP-ZCY4
}

func ExampleOrdersService_Cancel() {
	srv := fakeNexway()
	defer srv.Close()
	if _, err := srv.Client.Orders.Create(ctx, order("SHOP-1005", 733551, 1)); err != nil {
		log.Fatal(err)
	}

	c, err := srv.Client.Orders.Cancel(ctx, "SHOP-1005", nexway.ReasonCustomerUnsatisfied, "changed their mind")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("cancelled", c.OrderNumber)

	_, err = srv.Client.Orders.Cancel(ctx, "SHOP-1005", nexway.ReasonCustomerUnsatisfied, "")
	fmt.Println(errors.Is(err, nexway.ErrAlreadyCancelled))
	// Output:
	// cancelled 10000001
	// true
}

func ExampleDownloadsService_Info() {
	srv := fakeNexway()
	defer srv.Close()
	if _, err := srv.Client.Orders.Create(ctx, order("SHOP-1006", 733551, 1)); err != nil {
		log.Fatal(err)
	}

	info, err := srv.Client.Downloads.Info(ctx, "SHOP-1006")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("until", info.DownloadEndDate)
	for _, l := range info.Lines {
		for _, f := range l.Files {
			fmt.Println(l.ProductRef, f.Label, f.Size, f.CountCompleteDownload)
		}
	}
	// Output:
	// until 2026-01-26
	// 733551 Setup 1.23456789e+08 0
	// 733551 User guide 2.048e+06 0
}

func ExampleDownloadsService_Extend() {
	srv := fakeNexway()
	defer srv.Close()
	if _, err := srv.Client.Orders.Create(ctx, order("SHOP-1007", 733551, 1)); err != nil {
		log.Fatal(err)
	}

	ext, err := srv.Client.Downloads.Extend(ctx, "SHOP-1007", nexway.ExtendBy(7*24*time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ext.NewDownloadEndDate)

	ext, err = srv.Client.Downloads.Extend(ctx, "SHOP-1007", nexway.ExtendByPeriod(nexway.Period{Months: 1}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ext.NewDownloadEndDate)

	ext, err = srv.Client.Downloads.Extend(ctx, "SHOP-1007", nexway.ExtendUntil(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ext.NewDownloadEndDate)
	// Output:
	// 2026-02-02
	// 2026-03-02
	// 2026-12-31
}

func ExampleSubscriptionsService_Status() {
	srv := fakeNexway()
	defer srv.Close()
	o, err := srv.Client.Orders.Create(ctx, order("SHOP-2001", 733559, 1)) // a yearly VPN
	if err != nil {
		log.Fatal(err)
	}
	id := o.SubscriptionIDs()[0]

	sub, err := srv.Client.Subscriptions.Status(ctx, "SHOP-2001", id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sub.Status, sub.ExpirationDate, sub.Generation)

	srv.Advance(366 * 24 * time.Hour) // Nexway renews at expiry
	sub, err = srv.Client.Subscriptions.Status(ctx, "SHOP-2001", id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sub.Status, sub.ExpirationDate, sub.Generation, sub.CurrentPartnerOrderNumber)
	renewal, err := srv.Client.Orders.Get(ctx, sub.CurrentPartnerOrderNumber)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("renewal", renewal.OrderNumber, "has a new key:", renewal.Lines[0].Items[0].Serials[0].Data != o.Lines[0].Items[0].Serials[0].Data)
	// Output:
	// active 2027-01-05 0
	// active 2028-01-05 1 SHOP-2001-1
	// renewal 10000002 has a new key: true
}

func ExampleSubscriptionsService_Cancel() {
	srv := fakeNexway()
	defer srv.Close()
	o, err := srv.Client.Orders.Create(ctx, order("SHOP-2002", 733570, 1)) // a monthly backup
	if err != nil {
		log.Fatal(err)
	}
	id := o.SubscriptionIDs()[0]

	sub, err := srv.Client.Subscriptions.Cancel(ctx, "SHOP-2002", id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sub.Status, "until", sub.ExpirationDate)
	// Output:
	// cancelled until 2026-02-05
}

func ExampleSubscriptionsService_Renew() {
	srv := fakeNexway()
	defer srv.Close()
	o, err := srv.Client.Orders.Create(ctx, order("SHOP-2003", 733570, 1))
	if err != nil {
		log.Fatal(err)
	}

	sub, err := srv.Client.Subscriptions.Renew(ctx, "SHOP-2003", o.SubscriptionIDs()[0])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sub.Generation, sub.ExpirationDate, sub.CurrentPartnerOrderNumber)
	// Output:
	// 1 2026-03-05 SHOP-2003-1
}

func ExampleCatalogService_Categories() {
	srv := fakeNexway()
	defer srv.Close()

	cats, err := srv.Client.Catalog.Categories(ctx, "EN")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range cats.Categories {
		fmt.Println(c.ID, c.Label)
		for _, s := range c.Subcategories {
			fmt.Println("  ", s.ID, s.Label)
		}
	}
	// Output:
	// 7466 Anti-Virus & Security
	//    7467 Antivirus
	//    7468 VPN
	// 7470 Games
	//    7471 Strategy
	//    7472 Racing
}

func ExampleCatalogService_OperatingSystems() {
	srv := fakeNexway()
	defer srv.Close()

	oses, err := srv.Client.Catalog.OperatingSystems(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, os := range oses.OperatingSystems {
		fmt.Println(os.ID, os.Label)
	}
	// Output:
	// 63 Win 10 32/64 bits
	// 64 Win 11
	// 80 macOS 14
}

// A territory's secret is chosen per call.
func ExampleWithTerritorySecret() {
	srv := fakeNexway()
	defer srv.Close()

	_, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551}, nexway.WithTerritorySecret("wrongSecret"))
	fmt.Println(errors.Is(err, nexway.ErrInvalidSecret))
	// Output:
	// true
}
