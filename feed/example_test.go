package feed_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/nexway-go/nexway"

	"github.com/nexway-go/nexway/feed"
)

// A feed file downloaded otherwise, decoded product by product. Columns
// are found by name, in any order; the separator is detected.
func ExampleDecode() {
	file := strings.NewReader("Name;Product ID;Price wo.VAT;Currency;Categories\n" +
		"Nexway Antivirus 2026;733551;19,99;EUR;12:40\n" +
		"\"Nexway \"\"Total\"\" Security\";733552;39.90;EUR;12\n")
	for p, err := range feed.Decode(file, nil) {
		if err != nil {
			log.Fatal(err)
		}
		cents, _ := p.Price.Minor(2)
		fmt.Println(p.ProductRef, p.Name, cents, p.Currency, p.Categories)
	}
	// Output:
	// 733551 Nexway Antivirus 2026 1999 EUR [12 40]
	// 733552 Nexway "Total" Security 3990 EUR [12]
}

// Yesterday's index against today's feed: what to add, update and
// withdraw from the shop, and today's index for tomorrow.
func ExampleIndex_Compare() {
	yesterday, err := feed.BuildIndex(feed.Decode(strings.NewReader(
		"Product ID,Name,Price wo.VAT\n1,One,10.00\n2,Two,20.00\n3,Three,30.00\n"), nil))
	if err != nil {
		log.Fatal(err)
	}
	today := feed.Decode(strings.NewReader(
		"Product ID,Name,Price wo.VAT\n1,One,10.00\n3,Three,25.00\n4,Four,40.00\n"), nil)
	next := new(feed.Index)
	for ch, err := range yesterday.Compare(today, next) {
		if err != nil {
			log.Fatal(err) // a feed cut short: nothing was reported withdrawn
		}
		switch ch.Kind {
		case feed.Added, feed.Changed:
			fmt.Println(ch.Kind, ch.Ref, ch.Product.Name, ch.Product.Price) // put on sale, or update
		case feed.Withdrawn:
			fmt.Println(ch.Kind, ch.Ref) // take off sale
		}
	}
	fmt.Println(next.Len(), "products today")
	// Output:
	// changed 3 Three 25.00
	// added 4 Four 40.00
	// withdrawn 2
	// 3 products today
}

// Downloading and decoding in one loop, here from a local server standing
// in for Nexway's feed host.
func ExampleProducts() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "Product ID,Name\n733551,Nexway Antivirus 2026\n")
	}))
	defer srv.Close()
	// In production: nexway.WithFeedURL(nexway.FeedProductionURL, nexway.FeedPathV24)
	// and nexway.WithInsecureFeedHTTP(), or the https:// URL Cocoon shows.
	c, err := nexway.NewClient(nexway.WithFeedURL(srv.URL, nexway.FeedPathV24))
	if err != nil {
		log.Fatal(err)
	}
	q := &nexway.FeedQuery{Secret: "f33dSecret", Provider: "1c774002-211f-5012-9d53-80e6cb60759d", Config: "7016b623-3853-3db5-a67a-cf6aec336459"}
	for p, err := range feed.Products(context.Background(), c, q, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.ProductRef, p.Name)
	}
	// Output:
	// 733551 Nexway Antivirus 2026
}
