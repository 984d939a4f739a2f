package nexway

import (
	"errors"
	"net/http"
	"testing"
)

// Answers derived from RFC 8259 that a decoder may read more than one way:
// a duplicated or case-folded name, an escaped name, trailing data. An
// essential value must be the one the answer unambiguously holds, or the
// call fails with ErrInvalidResponse.
func TestHostileEssentialSpellings(t *testing.T) {
	const gp = "connect/order/P1"
	get := func(c *Client) (OrderNumber, ProductRef, SubscriptionID, error) {
		o, err := c.Orders.Get(bg, "P1")
		if err != nil {
			return 0, 0, 0, err
		}
		var ref ProductRef
		var sub SubscriptionID
		if len(o.Lines) > 0 {
			ref = o.Lines[0].ProductRef
			if len(o.Lines[0].Items) > 0 {
				sub = o.Lines[0].Items[0].SubscriptionID
			}
		}
		return o.OrderNumber, ref, sub, nil
	}
	cases := []struct {
		name string
		body string
		num  OrderNumber // 0: want ErrInvalidResponse
		ref  ProductRef
		sub  SubscriptionID
	}{
		{"plain", `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":5,"lineItems":[{"subscriptionId":9}]}]}`, 7, 5, 9},
		{"exponent", `{"responseCode":0,"orderNumber":1E2,"orderLines":[{"productRef":0.5e1}]}`, 100, 5, 0},
		{"escaped name", `{"responseCode":0,"order\u004eumber":7,"orderLines":[{"product\u0052ef":5}]}`, 7, 5, 0},
		{"case-folded name", `{"responseCode":0,"ORDERNUMBER":7,"orderlines":[{"productref":5,"LineItems":[{"SubscriptionId":9}]}]}`, 7, 5, 9},
		{"same value twice", `{"responseCode":0,"orderNumber":7,"orderNumber":"7","orderLines":[{"productRef":5}]}`, 7, 5, 0},
		{"number twice", `{"responseCode":0,"orderNumber":7,"orderNumber":8}`, 0, 0, 0},
		{"number twice folded", `{"responseCode":0,"orderNumber":7,"OrderNumber":8}`, 0, 0, 0},
		{"number twice escaped", `{"responseCode":0,"orderNumber":7,"order\u004eumber":8}`, 0, 0, 0},
		{"number then unreadable", `{"responseCode":0,"orderNumber":7,"orderNumber":1e400}`, 0, 0, 0},
		{"number then null", `{"responseCode":0,"partnerOrderNumber":"P1","orderNumber":7,"orderNumber":null}`, 0, 0, 0},
		{"partner twice", `{"responseCode":0,"partnerOrderNumber":"P1","partnerOrderNumber":"P2","orderNumber":7}`, 0, 0, 0},
		{"ref twice", `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":5,"productRef":6}]}`, 0, 0, 0},
		{"subscription twice", `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":5,"lineItems":[{"subscriptionId":9,"subscriptionId":10}]}]}`, 0, 0, 0},
		{"serial twice", `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":5,"lineItems":[{"serials":[{"data":"A","data":"B"}]}]}]}`, 0, 0, 0},
		{"lines twice", `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":5}],"orderLines":[{"productRef":6}]}`, 0, 0, 0},
		{"code twice", `{"responseCode":0,"responseCode":1010,"orderNumber":7}`, 0, 0, 0},
		{"trailing garbage", `{"responseCode":0,"orderNumber":7}x`, 0, 0, 0},
		{"two documents", `{"responseCode":0,"orderNumber":7}{"responseCode":0,"orderNumber":8}`, 0, 0, 0},
		{"trailing space", "{\"responseCode\":0,\"orderNumber\":7}\r\n\t ", 7, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodGet, testBase+gp, respond(200, tc.body, nil))
			num, ref, sub, err := get(m.c)
			if tc.num == 0 {
				if !errors.Is(err, ErrInvalidResponse) {
					t.Fatalf("got (%d, %d, %d, %v), want ErrInvalidResponse", num, ref, sub, err)
				}
				return
			}
			if err != nil || num != tc.num || ref != tc.ref || sub != tc.sub {
				t.Fatalf("got (%d, %d, %d, %v), want (%d, %d, %d)", num, ref, sub, err, tc.num, tc.ref, tc.sub)
			}
		})
	}
}

// A field read under an alternative name is read in any spelling
// encoding/json would match, and an essential value given under its name
// and an alternative name must be the same value.
func TestHostileAlternativeNames(t *testing.T) {
	const cp = "connect/order/crossupsell"
	cases := []struct {
		name string
		body string
		ref  ProductRef // 0: want ErrInvalidResponse
	}{
		{"own", `{"responseCode":0,"productsReturn":[{"ref":5}]}`, 5},
		{"alternative", `{"responseCode":0,"productsReturn":[{"productRef":5}]}`, 5},
		{"alternative folded", `{"responseCode":0,"productsReturn":[{"PRODUCTREF":5}]}`, 5},
		{"alternative escaped", `{"responseCode":0,"productsReturn":[{"product\u0052ef":5}]}`, 5},
		{"both, same", `{"responseCode":0,"productsReturn":[{"ref":5,"productRef":"5"}]}`, 5},
		{"both, alternative first, same", `{"responseCode":0,"productsReturn":[{"productRef":5,"ref":5}]}`, 5},
		{"both, differ", `{"responseCode":0,"productsReturn":[{"ref":5,"productRef":6}]}`, 0},
		{"both, alternative first, differ", `{"responseCode":0,"productsReturn":[{"productRef":6,"ref":5}]}`, 0},
		{"both, alternative unreadable", `{"responseCode":0,"productsReturn":[{"ref":5,"productRef":1e400}]}`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodPost, testBase+cp, respond(200, tc.body, nil))
			o, err := m.c.CrossSell.Offers(bg, "EN", []CartItem{{1, 1}})
			if tc.ref == 0 {
				if !errors.Is(err, ErrInvalidResponse) {
					t.Fatalf("got (%+v, %v), want ErrInvalidResponse", o, err)
				}
				return
			}
			if err != nil || len(o.Products) != 1 || o.Products[0].Ref != tc.ref {
				t.Fatalf("got (%+v, %v), want ref %d", o, err, tc.ref)
			}
		})
	}
}
