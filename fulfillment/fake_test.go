package fulfillment_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/fulfillment"
	"github.com/nexway-go/nexway/nexwaytest"
)

// The fake Nexway signs its calls with code of its own; these tests keep
// it and Signer in step, and check that the fake speaks the protocol the
// Handler serves.

// fakeSignedFields are every value of the default body, in both
// spellings of a path, and one that is missing.
var fakeSignedFields = []string{
	"$.fulfillmentId", "$.checkout.orderId", "$.checkout.lineItemId", "$.checkout.subscriptionId",
	"$.checkout.price.grossPrice", "$.checkout.price.currency",
	"$.user.id", "$.user.email", "$.user.country", "$.user.locale", "$.user.firstName", "$.user.lastName",
	"$.product.id", "$.product['name']", "$.product.price.grossPrice", "$.product.price.currency",
	"$.product.publisherProductId",
}

// capture is an http.RoundTripper that keeps the request and answers a key.
type capture struct {
	body []byte
	sig  string
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	c.body, _ = io.ReadAll(r.Body)
	c.sig = r.Header.Get(fulfillment.DefaultSignatureHeader)
	w := httptest.NewRecorder()
	io.WriteString(w, `{"activationCode":"K"}`)
	return w.Result(), nil
}

func FuzzFakeNexwaySignature(f *testing.F) {
	f.Add("6c0edf3e-8d5c-4a1e-9f3a-0d3b5c1e2f40", "jane.doe@example.com", "Nexway Total Security 2026", 733552, 79.99)
	f.Add("<&>", "a+b@example.com", "Ünïcødé \u2028 \"quoted\" \\ \x00", -1, math.Copysign(0, -1))
	f.Add("", "", "", 0, 1e21)
	f.Add("x", "\xff", "1.50", math.MaxInt64, 1e-7)
	f.Add("f", "e", "n", 1, 123456789012345678.0)
	f.Fuzz(func(t *testing.T, id, email, name string, ref int, price float64) {
		if math.IsNaN(price) || math.IsInf(price, 0) {
			return // no JSON for them: the fake refuses to encode
		}
		const secret = "s3cret-signing-key"
		c := &capture{}
		pub := nexwaytest.HTTPPublisher{BaseURL: "http://publisher.test", Client: &http.Client{Transport: c},
			SigningSecret: secret, SignedFields: fakeSignedFields}
		req := nexwaytest.LicenseRequest{Operation: nexwaytest.OperationCreate, FulfillmentID: id, OrderID: id + "-order", LineItemID: name, ProductRef: ref,
			ProductName: name, GrossPrice: price, Currency: "EUR", UserID: email, Email: email, Country: "FR",
			Locale: "fr-FR", FirstName: name, LastName: id}
		if ref%2 != 0 {
			req.Operation, req.SubscriptionID = nexwaytest.OperationRenew, name
		}
		_, err := pub.Issue(context.Background(), req)
		if !utf8.ValidString(id) || !utf8.ValidString(email) || !utf8.ValidString(name) {
			// JSON would send U+FFFD in their place: nothing is sent.
			if err == nil || c.body != nil {
				t.Fatalf("text that is not UTF-8: Issue = %v, sent %q", err, c.body)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		s, err := fulfillment.NewSigner(secret, fakeSignedFields...)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(c.body, c.sig); err != nil {
			in, _ := s.Canonical(c.body)
			t.Fatalf("the fake's signature %s does not verify: %v\nbody %s\nSigner's input %s", c.sig, err, c.body, in)
		}
		if want, _ := s.Sign(c.body); c.sig != want {
			t.Fatalf("the fake signed %s, Signer %s", c.sig, want)
		}
	})
}

// The fake's HTTPPublisher calls a Handler that checks its credentials and
// signature, and every field of the default body reaches the Fulfiller.
func TestFakeNexwayCallsHandler(t *testing.T) {
	t.Parallel()
	signer, err := fulfillment.NewSigner("s3cret-signing-key", "$.fulfillmentId", "$.checkout.orderId", "$.checkout.price.grossPrice")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []fulfillment.Body
	issue := fulfillment.FulfillerFunc(func(_ context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, req.Body)
		return &fulfillment.Result{ActivationCode: fmt.Sprintf("PUB-%d", len(got))}, nil
	})
	h, err := fulfillment.NewHandler(issue, new(fulfillment.MemoryStore),
		fulfillment.WithBasicAuth(testUser, testPassword), fulfillment.WithSignature(signer))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()

	fake := nexwaytest.NewServer(t)
	err = fake.SetPublisher(733552, &nexwaytest.HTTPPublisher{BaseURL: ts.URL, Username: testUser, Password: testPassword,
		SigningSecret: "s3cret-signing-key", SignedFields: signer.Fields(), Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	total := 159.98
	o, err := fake.Client.Orders.Create(context.Background(), &nexway.CreateOrderRequest{
		PartnerOrderNumber: "PUB-1",
		OrderDate:          nexwaytest.DefaultStartTime(),
		Currency:           "EUR",
		Lines:              []nexway.OrderLineRequest{{ProductRef: 733552, Quantity: 2, AmountTotal: &total}},
		Customer: nexway.Customer{
			PartnerID: "cust-42", Email: "jane.doe@example.com", Language: "fr_FR",
			InvoiceLocation: nexway.Location{FirstName: "Jane", LastName: "Doe", City: "Paris", Country: "FR"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, it := range o.Lines[0].Items {
		for _, s := range it.Serials {
			keys = append(keys, s.Data)
		}
	}
	if !o.Delivered() || !slices.Equal(keys, []string{"PUB-1", "PUB-2"}) {
		t.Fatalf("delivered %v, keys %v: the handler refused the fake's calls", o.Delivered(), keys)
	}
	b := got[0]
	price := fulfillment.Price{GrossPrice: "79.99", Currency: "EUR"}
	if b.FulfillmentID == "" || b.FulfillmentID == got[1].FulfillmentID || b.Checkout.LineItemID == "" ||
		b.Checkout.OrderID != strconv.Itoa(int(o.OrderNumber)) || b.Checkout.Price != price || b.Product.Price != price ||
		b.Product.ID != "733552" || !strings.Contains(b.Product.Name, "Security") ||
		b.User != (fulfillment.User{ID: "cust-42", Email: "jane.doe@example.com", Country: "FR", Locale: "fr-FR", FirstName: "Jane", LastName: "Doe"}) {
		t.Errorf("body = %+v", b)
	}
}

// sendTwice is an http.RoundTripper that sends every request twice, as
// Nexway does when the first answer is lost, and returns the second
// answer.
type sendTwice struct{ base http.RoundTripper }

func (d sendTwice) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	send := func() (*http.Response, error) {
		again := r.Clone(r.Context())
		again.Body = io.NopCloser(strings.NewReader(string(body)))
		return d.base.RoundTrip(again)
	}
	first, err := send()
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, first.Body)
	first.Body.Close()
	return send()
}

// A subscription renews when the fake's clock passes its expiry: the fake
// calls /licenses/renew with the license's fulfillment id and the renewal
// order's id, and the Handler gives each generation exactly one key, the
// one the renewal order then holds, however often each call is repeated.
func TestFakeNexwayRenewsThroughHandler(t *testing.T) {
	t.Parallel()
	const product = 733570 // monthly
	signer, err := fulfillment.NewSigner("s3cret-signing-key", "$.fulfillmentId", "$.checkout.orderId", "$.checkout.subscriptionId")
	if err != nil {
		t.Fatal(err)
	}
	type call struct {
		op                  fulfillment.Operation
		id, gen, order, sub string
	}
	var (
		mu    sync.Mutex
		calls []call
	)
	issue := fulfillment.FulfillerFunc(func(_ context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, call{req.Operation, req.FulfillmentID, req.Generation, req.Body.Checkout.OrderID, req.Body.Checkout.SubscriptionID})
		return &fulfillment.Result{ActivationCode: fmt.Sprintf("%s-%d", req.Operation, len(calls))}, nil
	})
	h, err := fulfillment.NewHandler(issue, new(fulfillment.MemoryStore),
		fulfillment.WithBasicAuth(testUser, testPassword), fulfillment.WithSignature(signer))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	fake := nexwaytest.NewServer(t)
	err = fake.SetPublisher(product, &nexwaytest.HTTPPublisher{BaseURL: ts.URL, Username: testUser, Password: testPassword,
		Client:        &http.Client{Transport: sendTwice{http.DefaultTransport}},
		SigningSecret: "s3cret-signing-key", SignedFields: signer.Fields(), Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = fake.Client.Orders.Create(context.Background(), &nexway.CreateOrderRequest{
		PartnerOrderNumber: "SUB-1", OrderDate: nexwaytest.DefaultStartTime(), Currency: "EUR",
		Lines:    []nexway.OrderLineRequest{{ProductRef: product, Quantity: 1}},
		Customer: nexway.Customer{Email: "jane.doe@example.com", Language: "fr_FR", InvoiceLocation: nexway.Location{Country: "FR"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	fake.Advance(62 * 24 * time.Hour) // two monthly renewals
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 3 {
		t.Fatalf("Fulfiller calls %+v, want a create and two renewals", calls)
	}
	for i, pon := range []string{"SUB-1", "SUB-1-1", "SUB-1-2"} {
		snap, ok := fake.Order(pon)
		if !ok {
			t.Fatalf("no order %s", pon)
		}
		c := calls[i]
		if keys := snap.Lines[0].Keys; len(keys) != 1 || keys[0] != fmt.Sprintf("%s-%d", c.op, i+1) {
			t.Errorf("order %s holds %v, the Fulfiller issued %s-%d", pon, keys, c.op, i+1)
		}
		if c.order != strconv.Itoa(snap.OrderNumber) || c.id != calls[0].id {
			t.Errorf("call %d = %+v, want order %d on license %s", i, c, snap.OrderNumber, calls[0].id)
		}
		wantOp, wantGen := fulfillment.OpRenew, c.order
		if i == 0 {
			wantOp, wantGen = fulfillment.OpCreate, ""
		}
		if c.op != wantOp || c.gen != wantGen || (i > 0 && c.sub == "") {
			t.Errorf("call %d = %+v, want %s with generation %q and a subscription id", i, c, wantOp, wantGen)
		}
	}
}
