package nexway_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

// A call the package does not model: here the categories route, read raw.
func ExampleClient_Do() {
	// A raw answer is decoded by the caller's own names: the fake answers
	// in Nexway's documented form, whatever NEXWAYTEST_VARIANTS says.
	srv, err := nexwaytest.StartServer(nexwaytest.WithDialect(nexwaytest.Dialect{}))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	resp, err := srv.Client.Do(ctx, &nexway.RawRequest{
		Name:   "Categories",
		Method: http.MethodGet,
		Path:   "connect/catalog/categories/" + url.PathEscape("en_GB"),
		Resend: true, // a read: safe to send again
	})
	if err != nil {
		log.Fatal(err)
	}
	var body struct {
		CategoryList []struct {
			ID int `json:"id"`
		} `json:"categoryList"`
	}
	if err := resp.Decode(&body); err != nil {
		log.Fatal(err)
	}
	fmt.Println("responseCode", resp.ResponseCode, "categories", len(body.CategoryList) > 0)
	// Output:
	// responseCode 0 categories true
}

// Logout revokes the client's token at IAM; the next call fetches a new one.
func ExampleClient_Logout() {
	srv := fakeNexway()
	defer srv.Close()

	if _, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551}); err != nil {
		log.Fatal(err)
	}
	if err := srv.Client.Logout(ctx); err != nil {
		log.Fatal(err)
	}
	if _, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("invalidated:", srv.Counts()[nexwaytest.RouteInvalidate].Requests)
	fmt.Println("tokens granted:", srv.Counts()[nexwaytest.RouteToken].Requests)
	// Output:
	// invalidated: 1
	// tokens granted: 2
}

func ExampleClient_BaseURL() {
	c, err := nexway.NewClient(nexway.WithBaseURL(nexway.StagingURL))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.BaseURL() == nexway.StagingURL)
	// Output:
	// true
}

// A process that stops using a client, or a test that ends, releases its
// idle connections.
func ExampleClient_CloseIdleConnections() {
	srv := fakeNexway()
	defer srv.Close()

	c, err := nexway.NewClient(
		nexway.WithBaseURL(srv.URL),
		nexway.WithSecret(nexwaytest.Secret),
		nexway.WithCredentials(nexwaytest.Realm, nexwaytest.ClientSecret),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseIdleConnections()
	st, err := c.Stock.Status(ctx, []nexway.ProductRef{733551})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Products[0].Level)
	// Output:
	// in stock
}

// The fake serves the feed on its own host; the client's feed URL points there.
func ExampleFeedService_URL() {
	srv := fakeNexway()
	defer srv.Close()

	fmt.Println(strings.TrimPrefix(srv.Client.Feed.URL(), srv.URL))
	// Output:
	// /flow/getcatalog/v2.4/
}

// Open keeps the day's file as it came, to decode later with DecodeFeed.
func ExampleFeedService_Open() {
	srv := fakeNexway()
	defer srv.Close()

	q := &nexway.FeedQuery{Secret: nexwaytest.Secret, Provider: nexwaytest.FeedProvider, Config: nexwaytest.FeedConfig}
	body, err := srv.Client.Feed.Open(ctx, q)
	if err != nil {
		log.Fatal(err)
	}
	defer body.Close()
	n, err := io.Copy(io.Discard, body) // in production: to a file
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n > 0)
	// Output:
	// true
}
