package nexway_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

// tamper edits the JSON body or headers of requests to one path on their
// way to the fake, to reach the fake's checks that the client's own
// validation would otherwise stop first.
type tamper struct {
	next   http.RoundTripper
	method string
	path   string
	body   func(map[string]any) // nil: leave the body
	header func(http.Header)    // nil: leave the headers
	raw    []byte               // non-nil: send exactly this body
}

func (tp *tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != tp.method || r.URL.Path != tp.path {
		return tp.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	if tp.header != nil {
		tp.header(r.Header)
	}
	if tp.body != nil || tp.raw != nil {
		b, _ := io.ReadAll(r.Body)
		if tp.raw != nil {
			b = tp.raw
		} else {
			var m map[string]any
			json.Unmarshal(b, &m)
			tp.body(m)
			b, _ = json.Marshal(m)
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	}
	return tp.next.RoundTrip(r)
}

func customer(m map[string]any) map[string]any { return m["customer"].(map[string]any) }
func invoice(m map[string]any) map[string]any  { return customer(m)["locationInvoice"].(map[string]any) }
func line(m map[string]any) map[string]any {
	return m["orderLines"].([]any)[0].(map[string]any)
}

// Every code the fake answers reaches the client as the sentinel and
// meaning of the operation's table: the two sides agree on the wire.
func TestFakeCodesReachTheClient(t *testing.T) {
	t.Parallel()
	createOp := func(c *nexway.Client) error {
		_, err := c.Orders.Create(ctx, order("CODES-1", 733551, 1))
		return err
	}
	create := func(code int, edit func(map[string]any)) codeCase {
		return codeCase{"create " + strconv.Itoa(code), http.MethodPost, "/connect/order/new", edit, nil, nil, createOp, code, nil, nil}
	}
	withOrder := func(c *nexway.Client) error {
		_, err := c.Orders.Create(ctx, order("HAS-1", 733551, 1))
		return err
	}
	cases := []codeCase{
		create(100, nil).raw([]byte(``)),
		create(130, func(m map[string]any) { delete(m, "partnerOrderNumber") }),
		create(140, func(m map[string]any) { delete(m, "orderDate") }),
		create(141, func(m map[string]any) { m["orderDate"] = "yesterday" }),
		create(120, func(m map[string]any) { delete(m, "currency") }),
		create(121, func(m map[string]any) { m["currency"] = "euro" }),
		create(1021, func(m map[string]any) { m["currency"] = "XYZ" }),
		create(200, func(m map[string]any) { m["orderLines"] = []any{} }),
		create(210, func(m map[string]any) { delete(line(m), "productRef") }),
		create(211, func(m map[string]any) { line(m)["productRef"] = 0 }),
		create(220, func(m map[string]any) { delete(line(m), "quantity") }),
		create(221, func(m map[string]any) { line(m)["quantity"] = 0 }),
		create(231, func(m map[string]any) { line(m)["vatRate"] = -5 }),
		create(241, func(m map[string]any) { line(m)["amountDutyFree"] = -5 }),
		create(251, func(m map[string]any) { line(m)["amountTotal"] = -5 }),
		create(320, func(m map[string]any) { delete(customer(m), "email") }),
		create(321, func(m map[string]any) { customer(m)["email"] = "not-an-address" }),
		create(330, func(m map[string]any) { delete(customer(m), "language") }),
		create(331, func(m map[string]any) { customer(m)["language"] = "french" }),
		create(341, func(m map[string]any) { customer(m)["ipV4"] = "999.1.1.1" }),
		create(420, func(m map[string]any) { delete(customer(m), "locationInvoice") }),
		create(500, func(m map[string]any) { delete(invoice(m), "country") }),
		create(501, func(m map[string]any) { invoice(m)["country"] = "France" }),
		create(1023, func(m map[string]any) { invoice(m)["country"] = "ZZ" }),
		create(1048, func(m map[string]any) { invoice(m)["country"] = "US" }),
		create(1049, func(m map[string]any) { invoice(m)["country"], invoice(m)["province"] = "CA", "Ontario" }),
		create(1046, func(m map[string]any) { m["payment"] = map[string]any{"paymentMethod": "External Payment"} }),
		create(610, func(m map[string]any) { m["discounts"] = []any{map[string]any{"label": "x"}} }),
		create(751, func(m map[string]any) { m["metadata"] = []any{map[string]any{"value": "v"}} }),
		create(1020, func(m map[string]any) { line(m)["productRef"] = 999999 }),
		create(1043, func(m map[string]any) { line(m)["productRef"] = 733560 }),
		create(1044, func(m map[string]any) { line(m)["productRef"] = 733562 }),
		{"create 1010", http.MethodPost, "/connect/order/new", nil, nil, withOrder, func(c *nexway.Client) error {
			_, err := c.Orders.Create(ctx, order("HAS-1", 733551, 1))
			return err
		}, 1010, nil, nil},
		{"secret 70", http.MethodPost, "/connect/stock", nil, func(h http.Header) { h.Del("secret") }, nil, func(c *nexway.Client) error {
			_, err := c.Stock.Status(ctx, []nexway.ProductRef{1})
			return err
		}, 70, nil, nil},
		{"secret 71", http.MethodPost, "/connect/stock", nil, func(h http.Header) { h.Set("secret", "wrong") }, nil, func(c *nexway.Client) error {
			_, err := c.Stock.Status(ctx, []nexway.ProductRef{1})
			return err
		}, 71, nil, nil},
		{"token 401", http.MethodPost, "/connect/stock", nil, func(h http.Header) { h.Del("Authorization") }, nil, func(c *nexway.Client) error {
			_, err := c.Stock.Status(ctx, []nexway.ProductRef{1})
			return err
		}, 0, nexway.ErrUnauthorized, nil},
		{"stock 100", http.MethodPost, "/connect/stock", func(m map[string]any) { m["productRefs"] = []any{} }, nil, nil, func(c *nexway.Client) error {
			_, err := c.Stock.Status(ctx, []nexway.ProductRef{1})
			return err
		}, 100, nil, nil},
	}
	crossSell := func(code int, edit func(map[string]any)) codeCase {
		return codeCase{"cross-sell " + strconv.Itoa(code), http.MethodPost, "/connect/order/crossupsell", edit, nil, nil, func(c *nexway.Client) error {
			_, err := c.CrossSell.Offers(ctx, "EN", []nexway.CartItem{{ProductRef: 733551, Quantity: 1}})
			return err
		}, code, nil, nil}
	}
	item := func(m map[string]any) map[string]any { return m["products"].([]any)[0].(map[string]any) }
	cases = append(cases,
		crossSell(100, func(m map[string]any) { delete(m, "products") }),
		crossSell(110, func(m map[string]any) { delete(item(m), "productRef") }),
		crossSell(111, func(m map[string]any) { item(m)["productRef"] = -4 }),
		crossSell(120, func(m map[string]any) { delete(item(m), "quantity") }),
		crossSell(121, func(m map[string]any) { item(m)["quantity"] = 0 }),
		crossSell(130, func(m map[string]any) { delete(m, "language") }),
		crossSell(131, func(m map[string]any) { m["language"] = "English" }),
		crossSell(1010, func(m map[string]any) { item(m)["productRef"] = 999999 }),
	)
	cancel := func(code int, edit func(map[string]any)) codeCase {
		return codeCase{"cancel " + strconv.Itoa(code), http.MethodPut, "/connect/order/cancel", edit, nil, withOrder, func(c *nexway.Client) error {
			_, err := c.Orders.Cancel(ctx, "HAS-1", nexway.ReasonOrderCancelled, "")
			return err
		}, code, nil, nil}
	}
	cases = append(cases,
		cancel(100, func(m map[string]any) { delete(m, "reasonCode") }),
		cancel(101, func(m map[string]any) { m["reasonCode"] = 9 }),
		cancel(110, func(m map[string]any) { delete(m, "partnerOrderNumber") }),
		cancel(1010, func(m map[string]any) { m["partnerOrderNumber"] = "NOPE" }),
	)
	extend := func(code int, edit func(map[string]any)) codeCase {
		return codeCase{"extend " + strconv.Itoa(code), http.MethodPut, "/connect/order/download", edit, nil, withOrder, func(c *nexway.Client) error {
			_, err := c.Downloads.Extend(ctx, "HAS-1", nexway.ExtendUntil(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)))
			return err
		}, code, nil, nil}
	}
	cases = append(cases,
		extend(100, func(m map[string]any) { delete(m, "partnerOrderNumber") }),
		extend(110, func(m map[string]any) { delete(m, "value") }),
		extend(111, func(m map[string]any) { m["value"] = "next week" }),
		extend(1010, func(m map[string]any) { m["partnerOrderNumber"] = "NOPE" }),
	)
	sub := func(code int, edit func(map[string]any)) codeCase {
		return codeCase{"subscription " + strconv.Itoa(code), http.MethodPost, "/connect/subscription", edit, nil, nil, func(c *nexway.Client) error {
			_, err := c.Subscriptions.Status(ctx, "SUB-X", 900001)
			return err
		}, code, nil, nil}
	}
	cases = append(cases,
		sub(100, func(m map[string]any) { delete(m, "partnerOrderNumber") }),
		sub(110, func(m map[string]any) { delete(m, "subscriptionId") }),
		sub(111, func(m map[string]any) { m["subscriptionId"] = -1 }),
		sub(1010, nil),
	)

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tp := &tamper{next: http.DefaultTransport, method: tc.method, path: tc.path, body: tc.body, header: tc.header, raw: tc.rawBody}
			srv := nexwaytest.NewServer(t, nexwaytest.WithClientOptions(nexway.WithTransport(tp)))
			if tc.setup != nil {
				if err := tc.setup(srv.Client); err != nil {
					t.Fatal(err)
				}
			}
			err := tc.call(srv.Client)
			want := tc.sentinel
			var apiErr *nexway.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("%v, want an *APIError", err)
			}
			if tc.code != 0 {
				if apiErr.ResponseCode != tc.code {
					t.Fatalf("code %d (%s), want %d", apiErr.ResponseCode, apiErr.ResponseMessage, tc.code)
				}
				want = sentinelFor(tc.code, tc.path)
			}
			if apiErr.Method != tc.method || apiErr.Path != tc.path {
				t.Errorf("error names %s %s, want %s %s", apiErr.Method, apiErr.Path, tc.method, tc.path)
			}
			if !errors.Is(err, want) {
				t.Errorf("%v, want %v", err, want)
			}
		})
	}
}

type codeCase struct {
	name         string
	method, path string
	body         func(map[string]any)
	header       func(http.Header)
	setup        func(*nexway.Client) error
	call         func(*nexway.Client) error
	code         int
	sentinel     error
	rawBody      []byte
}

func (c codeCase) raw(b []byte) codeCase { c.rawBody = b; return c }

// sentinelFor is the reference's class of each code the fake answers.
func sentinelFor(code int, path string) error {
	switch {
	case code == 70 || code == 71:
		return nexway.ErrInvalidSecret
	case code < 1000:
		return nexway.ErrValidation
	case code == 1010 && path == "/connect/order/new":
		return nexway.ErrDuplicateOrder
	case code == 1010:
		return nexway.ErrNotFound
	case code == 1044:
		return nexway.ErrOutOfStock
	}
	return nexway.ErrValidation // 1020-1023, 1043, 1046-1049 on create
}
