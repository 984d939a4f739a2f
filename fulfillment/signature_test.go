package fulfillment_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/nexway-go/nexway/fulfillment"
)

// A body signed by Nexway's scheme is served, in the default header or the
// one the integration names.
func TestHandlerChecksSignature(t *testing.T) {
	t.Parallel()
	signer, err := fulfillment.NewSigner("s3cret", "$.fulfillmentId", "$.checkout.orderId", "$.product.publisherProductId")
	if err != nil {
		t.Fatal(err)
	}
	for _, header := range []string{"", "X-Acme-Signature"} {
		f := &recorder{}
		opts := []fulfillment.Option{fulfillment.WithSignature(signer)}
		name := fulfillment.DefaultSignatureHeader
		if header != "" {
			opts, name = append(opts, fulfillment.WithSignatureHeader(header)), header
		}
		h := newHandler(t, f, new(fulfillment.MemoryStore), opts...)
		body := bodyFor("signed-" + header)
		sig, err := signer.Sign([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		answer(t, post(h, "/licenses/new", body, name, sig))
		if header != "" {
			if w := post(h, "/licenses/new", bodyFor("other"), fulfillment.DefaultSignatureHeader, sig); w.Code != http.StatusForbidden {
				t.Fatalf("signature in the default header when %s is configured: status %d", header, w.Code)
			}
		}
		if f.calls.Load() != 1 {
			t.Fatalf("%d calls, want 1", f.calls.Load())
		}
	}
}

// flatBody is the custom template of a real integration, flat rather than
// nested.
type flatBody struct {
	OrderID            string `json:"orderId"`
	LineItemID         string `json:"lineItemId"`
	LicenseID          string `json:"licenseId"`
	SubscriptionID     string `json:"subscriptionId"`
	ProductID          string `json:"productId"`
	PublisherProductID string `json:"publisherProductId"`
	ExternalContext    string `json:"externalContext"`
}

func TestHandlerCustomBody(t *testing.T) {
	t.Parallel()
	var got *flatBody
	f := &recorder{}
	f.fn = func(_ context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
		got = req.Custom.(*flatBody)
		if req.Body.FulfillmentID != "" || req.FulfillmentID != "00000000-0000-0000-0000-00000000000a" {
			t.Errorf("request %+v", req)
		}
		return &fulfillment.Result{ActivationCode: "K-" + got.PublisherProductID}, nil
	}
	h := newHandler(t, f, new(fulfillment.MemoryStore), fulfillment.WithCustomBody[flatBody]("$.licenseId"))
	body := `{"orderId":"1234567890","lineItemId":"00000000-0000-0000-0000-000000000000",
		"licenseId":"00000000-0000-0000-0000-00000000000a","subscriptionId":"00000000-0000-0000-0000-000000000000",
		"productId":"00000000-0000-0000-0000-000000000000","publisherProductId":"123","externalContext":"base64"}`
	if m := answer(t, post(h, "/licenses/new", body)); m["activationCode"] != "K-123" {
		t.Fatalf("answer %v", m)
	}
	if got.OrderID != "1234567890" || got.ExternalContext != "base64" {
		t.Fatalf("custom body decoded as %+v", got)
	}
	for _, bad := range []string{`{"orderId":"1"}`, `{"licenseId":""}`, `{"licenseId":{"a":1}}`, `{"licenseId":true}`, `{"licenseId":null}`, `{"licenseId":"x","orderId":{}}`, `[]`, `{`} {
		if w := post(h, "/licenses/new", bad); w.Code != http.StatusBadRequest {
			t.Errorf("body %s: status %d, want 400", bad, w.Code)
		}
	}
	if f.calls.Load() != 1 {
		t.Fatalf("%d calls, want 1", f.calls.Load())
	}
	// A numeric id is taken in its plain decimal form.
	f2 := &recorder{}
	h2 := newHandler(t, f2, new(fulfillment.MemoryStore), fulfillment.WithCustomBody[map[string]any]("$.unit.id"))
	answer(t, post(h2, "/licenses/new", `{"unit":{"id":42.0}}`))
	if id := f2.reqs[0].FulfillmentID; id != "42" {
		t.Fatalf("numeric id read as %q", id)
	}
	for _, bad := range []string{`{"unit":{"id":true}}`, `{"unit":{"id":null}}`, `{"unit":{"id":[1]}}`, `{"unit":"id"}`} {
		if w := post(h2, "/licenses/new", bad); w.Code != http.StatusBadRequest {
			t.Errorf("body %s: status %d, want 400", bad, w.Code)
		}
	}
	if n := f2.calls.Load(); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
}
