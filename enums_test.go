package nexway

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"testing"
)

// The reference's list of cancel reasons is incomplete: a code the package
// does not name is sent as it is, and Nexway decides; only codes outside
// the int32 range Nexway reads are refused before sending.
func TestCancelReasonSentByRangeNotMembership(t *testing.T) {
	t.Parallel()
	for _, r := range []CancelReason{1, 7, 15, 17, 99, math.MaxInt32, ReasonFraudChargeback} {
		m := newMock(t)
		m.RegisterResponder(http.MethodPut, testBase+"connect/order/cancel", respond(200, `{"responseCode":0,"partnerOrderNumber":"P1","orderNumber":3}`, func(req *http.Request) {
			equalJSON(t, jsonBody(t, req), `{"partnerOrderNumber":"P1","reasonCode":`+strconv.Itoa(int(r))+`,"comment":""}`)
		}))
		if _, err := m.c.Orders.Cancel(bg, "P1", r, ""); err != nil {
			t.Errorf("reason %d: %v", r, err)
		}
	}
	for _, r := range []CancelReason{0, -1, math.MinInt32, math.MaxInt32 + 1} {
		m := newMock(t)
		_, err := m.c.Orders.Cancel(bg, "P1", r, "")
		var ae *ArgumentError
		if !errors.As(err, &ae) || ae.Field != "reasonCode" {
			t.Errorf("reason %d: %v, want an argument error on reasonCode", r, err)
		}
	}
	// Nexway refusing the code is its answer.
	m := newMock(t)
	m.RegisterResponder(http.MethodPut, testBase+"connect/order/cancel", respond(200, `{"responseCode":101,"responseMessage":"reasonCode invalid"}`, nil))
	if _, err := m.c.Orders.Cancel(bg, "P1", 17, ""); !errors.Is(err, ErrValidation) {
		t.Errorf("refused code: %v", err)
	}
}

// Unknown values of the hedged enumerations name themselves.
func TestEnumStrings(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ got, want string }{
		{CancelReason(17).String(), "CancelReason(17)"},
		{CancelReason(-3).String(), "CancelReason(-3)"},
		{ReasonWrongProduct.String(), "wrong product"},
		{StockLevel(400).String(), "StockLevel(400)"},
		{StockLevel(0).String(), "StockLevel(0)"},
		{LowStock.String(), "low stock"},
		{OfferType("bundle").String(), "bundle"},
		{SubscriptionStatus("suspended").String(), "suspended"},
	} {
		if c.got != c.want {
			t.Errorf("String() = %q, want %q", c.got, c.want)
		}
	}
}

// Values of hedged enumerations the package does not know decode into the
// typed value, never an error.
func TestUnknownEnumValuesReceived(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200,
		`{"responseCode":0,"productStatus":[{"productRef":1,"status":400},{"productRef":2,"status":"250"}]}`, nil))
	st, err := m.c.Stock.Status(bg, []ProductRef{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := st.Find(1); p.Level != 400 || p.Level.Orderable() || p.Level.String() != "StockLevel(400)" {
		t.Errorf("level %v", p.Level)
	}
	if p, _ := st.Find(2); p.Level != 250 {
		t.Errorf("level %v", p.Level)
	}

	m.RegisterResponder(http.MethodPost, testBase+"connect/order/crossupsell", respond(200,
		`{"responseCode":0,"productsReturn":[{"ref":5,"type":"Bundle"}]}`, nil))
	o, err := m.c.CrossSell.Offers(bg, "EN", []CartItem{{1, 1}})
	if err != nil || len(o.Products) != 1 || o.Products[0].Type != "bundle" {
		t.Errorf("offers %+v, %v", o, err)
	}

	m.RegisterResponder(http.MethodPost, testBase+"connect/subscription", respond(200,
		`{"responseCode":0,"subscriptionId":5,"status":"Suspended"}`, nil))
	s, err := m.c.Subscriptions.Status(bg, "P1", 5)
	if err != nil || s.Status != "suspended" {
		t.Errorf("subscription %+v, %v", s, err)
	}

	m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", respond(200,
		`{"responseCode":0,"orderNumber":4,"orderLines":[{"productRef":1,"responseCode":4711,"lineItems":[{"responseCode":9999}]}]}`, nil))
	ord, err := m.c.Orders.Get(bg, "P1")
	if err != nil || ord.Lines[0].ResponseCode != 4711 || ord.Lines[0].Items[0].ResponseCode != 9999 || ord.Delivered() {
		t.Errorf("order %+v, %v", ord, err)
	}
}
