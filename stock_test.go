package nexway

import (
	"errors"
	"net/http"
	"testing"
)

// A stock answer in the legacy API's shape, with a product Nexway does not
// know.
const stockSample = `{
  "responseCode": 0, "responseMessage": "OK",
  "productStatus": [
    { "productRef": 733551, "status": 100, "responseCode": 0, "responseMessage": "OK" },
    { "productRef": "733558", "status": 200, "responseCode": 0, "responseMessage": "OK" },
    { "productRef": -1, "status": 0, "responseCode": 1010, "responseMessage": "product reference does not exist" }
  ]
}`

func TestStockStatus(t *testing.T) {
	t.Parallel()
	m := newMock(t, withCreds)
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockSample, func(r *http.Request) {
		checkHeaders(t, r, "Bearer tok-1", true)
		equalJSON(t, jsonBody(t, r), `{"productRefs":[733551,733558,999]}`)
	}))
	got, err := m.c.Stock.Status(bg, []ProductRef{733551, 733558, 999})
	if err != nil {
		t.Fatal(err)
	}
	want := []ProductStock{
		{733551, InStock, 0, "OK"},
		{733558, LowStock, 0, "OK"},
		{-1, 0, 1010, "product reference does not exist"},
	}
	if len(got.Products) != len(want) {
		t.Fatalf("got %d products, want %d", len(got.Products), len(want))
	}
	for i := range want {
		if got.Products[i] != want[i] {
			t.Errorf("product %d = %+v, want %+v", i, got.Products[i], want[i])
		}
	}
	if p, ok := got.Find(733558); !ok || !p.Level.Orderable() {
		t.Errorf("Find(733558) = %+v, %v", p, ok)
	}
	if _, ok := got.Find(1); ok {
		t.Error("Find(1) found a product that was not returned")
	}
	if string(got.Raw) != stockSample {
		t.Error("Raw does not hold the response body")
	}
}

func TestStockLevelString(t *testing.T) {
	t.Parallel()
	for l, want := range map[StockLevel]string{InStock: "in stock", LowStock: "low stock", OutOfStock: "out of stock", 7: "StockLevel(7)"} {
		if l.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(l), l.String(), want)
		}
	}
	if OutOfStock.Orderable() {
		t.Error("OutOfStock is orderable")
	}
}

func TestStockStatusArguments(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	for _, tc := range []struct {
		refs  []ProductRef
		field string
	}{{nil, "productRefs"}, {[]ProductRef{1, 0}, "productRefs[1]"}, {[]ProductRef{-5}, "productRefs[0]"}} {
		_, err := m.c.Stock.Status(bg, tc.refs)
		var ae *ArgumentError
		if !errors.As(err, &ae) || ae.Field != tc.field || !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("Status(%v) = %v, want an argument error on %s", tc.refs, err, tc.field)
		}
	}
	if n := m.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for invalid arguments", n)
	}
}
