package nexway

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

const subscriptionSample = `{"partnerOrderNumber":"PARTNER689","subscriptionId":987654,"productRef":733559,
 "status":"active","expirationDate":"2025-05-01","generation":2,"currentPartnerOrderNumber":"PARTNER689-2",
 "responseCode":0,"responseMessage":"OK"}`

func TestSubscriptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method, path string
		call               func(*Client) (*Subscription, error)
	}{
		{"status", http.MethodPost, "connect/subscription", func(c *Client) (*Subscription, error) {
			return c.Subscriptions.Status(bg, "PARTNER689", 987654)
		}},
		{"cancel", http.MethodPut, "connect/subscription", func(c *Client) (*Subscription, error) {
			return c.Subscriptions.Cancel(bg, "PARTNER689", 987654)
		}},
		{"renew", http.MethodPut, "connect/subscription/renew", func(c *Client) (*Subscription, error) {
			return c.Subscriptions.Renew(bg, "PARTNER689", 987654)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t, withCreds)
			m.RegisterResponder(tc.method, testBase+tc.path, respond(200, subscriptionSample, func(r *http.Request) {
				checkHeaders(t, r, "Bearer tok-1", true)
				equalJSON(t, jsonBody(t, r), `{"partnerOrderNumber":"PARTNER689","subscriptionId":987654}`)
			}))
			got, err := tc.call(m.c)
			if err != nil {
				t.Fatal(err)
			}
			if got.PartnerOrderNumber != "PARTNER689" || got.ID != 987654 || got.ProductRef != 733559 || got.Status != SubscriptionActive ||
				got.ExpirationDate != (Date{2025, time.May, 1}) || got.Generation != 2 || got.CurrentPartnerOrderNumber != "PARTNER689-2" {
				t.Errorf("subscription = %+v", got)
			}
		})
	}
}

func TestSubscriptionCancelPath(t *testing.T) {
	t.Parallel()
	m := newMock(t, WithSubscriptionCancelPath("/connect/subscription/cancel"))
	m.RegisterResponder(http.MethodPut, testBase+"connect/subscription/cancel", respond(200, subscriptionSample, nil))
	if _, err := m.c.Subscriptions.Cancel(bg, "PARTNER689", 1); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "/", "a?b", "../x"} {
		if _, err := NewClient(WithSubscriptionCancelPath(bad)); err == nil {
			t.Errorf("cancel path %q accepted", bad)
		}
	}
}

func TestSubscriptionCancelRetriedIntoAlreadyCancelled(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodPut, testBase+"connect/subscription", sequence(
		respond(503, "", nil),
		respond(200, `{"partnerOrderNumber":"P1","subscriptionId":3,"status":"cancelled","responseCode":1011}`, nil)))
	got, err := m.c.Subscriptions.Cancel(bg, "P1", 3)
	if err != nil || got.Status != SubscriptionCancelled || got.ResponseCode != 1011 {
		t.Fatalf("Cancel = %+v, %v; want done with code 1011", got, err)
	}
}

// Renewing is not idempotent: an ambiguous failure is not resent.
func TestSubscriptionRenewNotRetried(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodPut, testBase+"connect/subscription/renew", respond(503, "unavailable", nil))
	_, err := m.c.Subscriptions.Renew(bg, "P1", 3)
	if !errors.Is(err, ErrAmbiguous) || errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want ambiguous only", err)
	}
	if n := m.calls(http.MethodPut, "connect/subscription/renew"); n != 1 {
		t.Errorf("renew sent %d times, want once", n)
	}
}

func TestSubscriptionArguments(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	for _, tc := range []struct {
		pon   string
		id    SubscriptionID
		field string
	}{{"", 1, "partnerOrderNumber"}, {"P1", 0, "subscriptionId"}, {"P1", -3, "subscriptionId"}} {
		_, err := m.c.Subscriptions.Status(bg, tc.pon, tc.id)
		var ae *ArgumentError
		if !errors.As(err, &ae) || ae.Field != tc.field {
			t.Errorf("Status(%q, %d) = %v, want an argument error on %s", tc.pon, tc.id, err, tc.field)
		}
	}
	if n := m.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for invalid arguments", n)
	}
}

func TestRenewalOrderNumber(t *testing.T) {
	t.Parallel()
	if got := RenewalOrderNumber("PARTNER689", 2); got != "PARTNER689-2" {
		t.Errorf("got %q", got)
	}
	if got := RenewalOrderNumber("PARTNER689", 0); got != "PARTNER689" {
		t.Errorf("generation 0: %q", got)
	}
}
