package nexway

import (
	"errors"
	"net/http"
	"testing"
)

// The documented GetCrossUpSellResponse
// (https://api-doc.nexway.store/nexway-connect/resources/getcrossupsellresponse?v=latest).
const crossSellSample = `{
  "responseCode": 0, "responseMessage": "OK",
  "productsReturn": [
    { "ref": 733552, "type": "up", "name": "Total Security", "amountDutyFree": 66.66, "currency": "GBP",
      "shortDescription": "Everything in Pro, and more", "language": "EN", "imageSmall": "https://img.test/733552.png" },
    { "ref": "733560", "type": "option", "name": "Download extension", "amountDutyFree": 0,
      "currency": "GBP", "shortDescription": "Download for a year", "language": "EN", "imageSmall": "" }
  ]
}`

func TestCrossSellOffers(t *testing.T) {
	t.Parallel()
	m := newMock(t, withCreds)
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/crossupsell", respond(200, crossSellSample, func(r *http.Request) {
		checkHeaders(t, r, "Bearer tok-1", true)
		equalJSON(t, jsonBody(t, r), `{"language":"EN","products":[{"productRef":668678,"quantity":1}]}`)
	}))
	got, err := m.c.CrossSell.Offers(bg, "EN", []CartItem{{ProductRef: 668678, Quantity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Products) != 2 {
		t.Fatalf("got %d offers", len(got.Products))
	}
	up, opt := got.Products[0], got.Products[1]
	if up.Ref != 733552 || up.Type != OfferUp || up.Name != "Total Security" || up.AmountDutyFree == nil || *up.AmountDutyFree != 66.66 ||
		up.Currency != "GBP" || up.ShortDescription != "Everything in Pro, and more" || up.Language != "EN" || up.ImageSmall != "https://img.test/733552.png" {
		t.Errorf("up-sell = %+v", up)
	}
	// A zero price is a price, not an absent one.
	if opt.Ref != 733560 || opt.Type != OfferOption || opt.AmountDutyFree == nil || *opt.AmountDutyFree != 0 {
		t.Errorf("option = %+v", opt)
	}
}

func TestCrossSellNullOffers(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/crossupsell", respond(200, `{"responseCode":0,"responseMessage":"OK","productsReturn":null}`, nil))
	got, err := m.c.CrossSell.Offers(bg, "FR,EN", []CartItem{{ProductRef: 1, Quantity: 2}})
	if err != nil || len(got.Products) != 0 {
		t.Fatalf("Offers = %+v, %v; want no offers", got, err)
	}
}

func TestCrossSellArguments(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	cart := []CartItem{{ProductRef: 1, Quantity: 1}}
	for _, tc := range []struct {
		lang  string
		cart  []CartItem
		field string
	}{
		{"", cart, "language"},
		{"ENG", cart, "language"},
		{"EN,", cart, "language"},
		{"EN", nil, "cart"},
		{"EN", []CartItem{{ProductRef: 0, Quantity: 1}}, "cart[0].productRef"},
		{"EN", []CartItem{{ProductRef: 1, Quantity: 1}, {ProductRef: 2, Quantity: 0}}, "cart[1].quantity"},
	} {
		_, err := m.c.CrossSell.Offers(bg, tc.lang, tc.cart)
		var ae *ArgumentError
		if !errors.As(err, &ae) || ae.Field != tc.field {
			t.Errorf("Offers(%q, %v) = %v, want an argument error on %s", tc.lang, tc.cart, err, tc.field)
		}
	}
	if n := m.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for invalid arguments", n)
	}
}
