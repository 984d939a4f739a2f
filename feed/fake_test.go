package feed_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"

	"github.com/nexway-go/nexway/feed"
)

var ctx = context.Background()

// fakeFeedQuery is the query the fake's default feed accepts.
func fakeFeedQuery() *nexway.FeedQuery {
	return &nexway.FeedQuery{Secret: nexwaytest.Secret, Provider: nexwaytest.FeedProvider, Config: nexwaytest.FeedConfig}
}

// fakeFeed downloads and decodes the fake's whole feed.
func fakeFeed(t *testing.T, srv *nexwaytest.Server) map[nexway.ProductRef]feed.Product {
	t.Helper()
	out := map[nexway.ProductRef]feed.Product{}
	var refs []nexway.ProductRef
	for p, err := range feed.Products(ctx, srv.Client, fakeFeedQuery(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		out[p.ProductRef] = p
		refs = append(refs, p.ProductRef)
	}
	if want := []nexway.ProductRef{733551, 733552, 733558, 733559, 733560, 733561, 733562, 733570}; !slices.Equal(refs, want) {
		t.Fatalf("refs %v, want %v", refs, want)
	}
	return out
}

// cents is a price in cents, or -1 when it is missing or not whole cents.
func cents(d *feed.Decimal) int64 {
	if d == nil {
		return -1
	}
	v, ok := d.Minor(2)
	if !ok {
		return -1
	}
	return v
}

// The whole feed through the fake, in CSV and in XML: the download, the
// decoded products against the fake's catalog, and the changes of a second
// day's feed (a product withdrawn, a price changed, a product added).
func TestFeedEndToEndWithFake(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		settings nexwaytest.FeedSettings
	}{
		{"CSV", nexwaytest.FeedSettings{
			Columns: []string{"Categories", "Name", "Price wo.VAT", "Product ID", "Currency", "Price public wo.VAT",
				"System requirements _ Operating system", "Publisher name", "Long description", "Promotion"},
			Separator: ";", CRLF: true, DecimalComma: true,
		}},
		{"XML", nexwaytest.FeedSettings{Format: nexwaytest.FeedXML}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := nexwaytest.NewServer(t, nexwaytest.WithFeed(c.settings))
			day1 := fakeFeed(t, srv)
			av, game := day1[733551], day1[733558]
			if av.Name != "Nexway Antivirus Pro 2026" || av.PublisherName != "Nexway Labs" ||
				!strings.Contains(av.Description("EN").Long, "ransomware") {
				t.Errorf("733551: %+v", av)
			}
			if c.settings.Format == nexwaytest.FeedCSV {
				if cents(av.Price) != 4166 || cents(av.PublicPrice) != 4999 || av.Currency != "EUR" ||
					!slices.Equal(av.Categories, []int{7467}) || !slices.Equal(av.OperatingSystems, []int{63, 64}) ||
					av.Extra["Promotion"] != "Promotion of 733551" {
					t.Errorf("733551 in CSV: %+v", av)
				}
			} else if game.DRM != "Steam" || len(game.Raw) == 0 {
				t.Errorf("733558 in XML: %+v", game)
			}

			yesterday, err := feed.BuildIndex(feed.Products(ctx, srv.Client, fakeFeedQuery(), nil))
			if err != nil {
				t.Fatal(err)
			}
			changed := nexwaytest.DefaultCatalog()[2] // 733558
			changed.AmountDutyFree = 19.99
			if err := srv.RemoveProducts(733562); err != nil {
				t.Fatal(err)
			}
			if err := srv.UpdateProducts(changed); err != nil {
				t.Fatal(err)
			}
			if err := srv.AddProducts(nexwaytest.Product{Ref: 733580, Name: "Photo Studio 2026", AmountDutyFree: 59.99, Currency: "EUR"}); err != nil {
				t.Fatal(err)
			}
			today := new(feed.Index)
			var got []string
			for ch, err := range yesterday.Compare(feed.Products(ctx, srv.Client, fakeFeedQuery(), nil), today) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprint(ch.Kind, " ", ch.Ref))
				if ch.Kind == feed.Changed && c.settings.Format == nexwaytest.FeedCSV && cents(ch.Product.Price) != 1999 {
					t.Errorf("changed product's price: %v", ch.Product.Price)
				}
			}
			slices.Sort(got)
			if want := []string{"added 733580", "changed 733558", "withdrawn 733562"}; !slices.Equal(got, want) {
				t.Fatalf("changes %q, want %q", got, want)
			}
			if today.Len() != 8 {
				t.Fatalf("today's index holds %d products", today.Len())
			}
			for ch, err := range today.Compare(feed.Products(ctx, srv.Client, fakeFeedQuery(), nil), nil) {
				t.Fatalf("a third day with no change: %v %v, %v", ch.Kind, ch.Ref, err)
			}
		})
	}
}

// A query the fake refuses gives the error the client documents, and a
// body no decoder takes for products.
func TestFeedRefusedByFake(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t)
	for _, c := range []struct {
		name   string
		q      nexway.FeedQuery
		status int
		kind   error
	}{
		{"secret", nexway.FeedQuery{Secret: "WrongSecret1", Provider: nexwaytest.FeedProvider, Config: nexwaytest.FeedConfig}, 401, nexway.ErrInvalidSecret},
		{"provider", nexway.FeedQuery{Secret: nexwaytest.Secret, Provider: "another-list", Config: nexwaytest.FeedConfig}, 404, nexway.ErrNotFound},
		{"config", nexway.FeedQuery{Secret: nexwaytest.Secret, Provider: nexwaytest.FeedProvider, Config: "another-format"}, 404, nexway.ErrNotFound},
	} {
		var products int
		var last error
		for p, err := range feed.Products(ctx, srv.Client, &c.q, nil) {
			if err == nil || p.ProductRef != 0 {
				products++
			}
			last = err
		}
		var ae *nexway.APIError
		if products != 0 || !errors.Is(last, c.kind) || !errors.As(last, &ae) || ae.HTTPStatus != c.status {
			t.Errorf("%s: %d products, error %v, want HTTP %d and %v", c.name, products, last, c.status, c.kind)
		}

		// The body itself, decoded as a file would be.
		v := url.Values{"secret": {c.q.Secret}, "provider": {c.q.Provider}, "config": {c.q.Config}}
		resp, err := http.Get(srv.Client.Feed.URL() + "?" + v.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for p, err := range feed.Decode(bytes.NewReader(body), nil) {
			if err == nil || p.ProductRef != 0 {
				t.Errorf("%s: the refusal decodes as a product: %+v, %v", c.name, p, err)
			}
		}
	}
}

// logBuffer is a log sink safe for concurrent writes.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The canary test of the feed (TestNoFeedSecretsInErrorsOrLogs) on the
// fake's refusals and failures: no error or debug log line holds the
// query's secret, provider or config, whichever was refused.
func TestNoFeedSecretsInErrorsOrLogsFromFake(t *testing.T) {
	t.Parallel()
	const (
		secret   = "FeedCanary77"
		provider = "provider-canary-3c9d"
		config   = "config-canary-81fe"
	)
	srv := nexwaytest.NewServer(t, nexwaytest.WithFeed(nexwaytest.FeedSettings{Provider: provider, Config: config, Generated: 20000}))
	var logs logBuffer
	c, err := nexway.NewClient(nexway.WithFeedURL(srv.URL, nexway.FeedPathCatalog),
		nexway.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, tc := range []struct {
		name  string
		q     nexway.FeedQuery
		fault *nexwaytest.Fault
	}{
		{"wrong secret", nexway.FeedQuery{Secret: secret, Provider: provider, Config: config}, nil},
		{"unknown provider", nexway.FeedQuery{Secret: nexwaytest.Secret, Provider: provider + "x", Config: config}, nil},
		{"unknown config", nexway.FeedQuery{Secret: nexwaytest.Secret, Provider: provider, Config: config + "x"}, nil},
		{"IP not registered", nexway.FeedQuery{Secret: nexwaytest.Secret, Provider: provider, Config: config}, &nexwaytest.Fault{Status: 403}},
		{"cut off", nexway.FeedQuery{Secret: nexwaytest.Secret, Provider: provider, Config: config}, &nexwaytest.Fault{Kind: nexwaytest.FaultTruncate}},
		{"dropped", nexway.FeedQuery{Secret: nexwaytest.Secret, Provider: provider, Config: config}, &nexwaytest.Fault{Kind: nexwaytest.FaultDrop}},
	} {
		if tc.fault != nil {
			srv.InjectFault(nexwaytest.RouteFeed, *tc.fault)
		}
		var last error
		for _, err := range feed.Products(ctx, c, &tc.q, nil) {
			if err != nil {
				last = err
			}
		}
		if last == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		seen = append(seen, tc.name+": "+last.Error())
		all := last.Error() + "\n" + logs.String()
		for _, v := range []string{tc.q.Secret, tc.q.Provider, tc.q.Config} {
			if strings.Contains(all, v) {
				t.Errorf("%s: %q leaked:\n%s", tc.name, v, all)
			}
		}
	}
	if all := strings.Join(seen, "\n"); !strings.Contains(all, "REDACTED") || !strings.Contains(logs.String(), "nexway feed") || len(seen) != 6 {
		t.Fatalf("the test did not exercise the paths:\n%s\n%s", strings.Join(seen, "\n"), logs.String())
	}
}

// BenchmarkFeedFromFake downloads and decodes 10,000 generated products
// (10 MB of CSV) from the fake over loopback: what a storefront's import
// test costs.
func BenchmarkFeedFromFake(b *testing.B) {
	srv, err := nexwaytest.StartServer(nexwaytest.WithFeed(nexwaytest.FeedSettings{Generated: 10000}))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	var n int64
	for b.Loop() {
		body, err := srv.Client.Feed.Open(ctx, fakeFeedQuery())
		if err != nil {
			b.Fatal(err)
		}
		counted := &countingReader{r: body}
		rows := 0
		for _, err := range feed.Decode(counted, nil) {
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
		body.Close()
		if rows != 10000 {
			b.Fatalf("%d products", rows)
		}
		n = counted.n
	}
	b.SetBytes(n)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
