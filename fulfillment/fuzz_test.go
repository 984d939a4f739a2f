package fulfillment_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nexway-go/nexway/fulfillment"
)

// Whatever the body, with the default template or a custom one, signed
// or not, the handler answers 200 (and then ran the Fulfiller once,
// replaying its answer to a retry, and handed it exactly the signed values,
// which encoding/json reads the same) or 400 or 403 (and did not run it).
func FuzzHandlerBody(f *testing.F) {
	for _, s := range []string{sampleBody, bodyFor("f-1"), ``, `{`, `null`, `[]`, `{"fulfillmentId":""}`,
		`{"fulfillmentId":"x","checkout":{"price":{"grossPrice":"1e999"}}}`, `{"fulfillmentId":"x","checkout":{"cartExternalContext":"e30"}}`,
		`{"fulfillmentId":"\u0000","user":{"email":1}}`, `{"fulfillmentId":"a","FulfillmentId":"b"}`,
		`{"fulfillmentId":"a","checkout":{"orderId":"1","OrderId":"2"}}`, `{"fulfillmentId":"a","product":{"PublisherProductId":"x"}}`,
		"{\"fulfillmentId\":\"a\xff\"}", `{"fulfillmentId":"a\ud800"}`, `{"fulfillmentId":"a","checkout":{"orderId":"O"}}`} {
		f.Add(false, false, []byte(s))
		f.Add(false, true, []byte(s))
	}
	for _, s := range []string{`{"licenseId":"x","orderId":"1"}`, `{"licenseId":12.50}`, `{"licenseId":true}`, `[{"licenseId":"x"}]`} {
		f.Add(true, false, []byte(s))
	}
	signer, err := fulfillment.NewSigner("s3cret", "$.fulfillmentId", "$.licenseId", "$.checkout.orderId", "$.product.publisherProductId",
		"$.product.id", "$.user.email", "$.checkout.subscriptionId")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, custom, renew bool, body []byte) {
		rec := &recorder{}
		opts := []fulfillment.Option{fulfillment.WithSignature(signer)}
		if custom {
			opts = append(opts, fulfillment.WithCustomBody[map[string]any]("$.licenseId"))
		}
		h := newHandler(t, rec, new(fulfillment.MemoryStore), opts...)
		path := "/licenses/new"
		if renew {
			path = "/licenses/renew"
		}
		sig, signErr := signer.Sign(body)
		if signErr != nil {
			sig = strings.Repeat("0", 64)
		}
		w := post(h, path, string(body), fulfillment.DefaultSignatureHeader, sig)
		switch w.Code {
		case http.StatusBadRequest, http.StatusForbidden:
			if rec.calls.Load() != 0 {
				t.Fatalf("%d after calling the Fulfiller", w.Code)
			}
		case http.StatusOK:
			if signErr != nil {
				t.Fatalf("200 for a body the signer refuses: %v", signErr)
			}
			req := rec.reqs[0]
			if req.FulfillmentID == "" || string(req.Raw) != string(body) {
				t.Fatalf("request %+v", req)
			}
			_, _ = req.Body.Checkout.CartContext() // must not panic
			if !custom {
				var std fulfillment.Body
				if err := json.Unmarshal(body, &std); err != nil || !reflect.DeepEqual(std, req.Body) {
					t.Fatalf("encoding/json reads %+v (%v), the Fulfiller got %+v", std, err, req.Body)
				}
				// The Fulfiller's values, written out again, sign the same.
				again, err := json.Marshal(req.Body)
				if err != nil {
					t.Fatal(err)
				}
				if sig2, err := signer.Sign(again); err != nil || sig2 != sig {
					t.Fatalf("the Fulfiller's values sign %s (%v), the body %s", sig2, err, sig)
				}
			}
			if again := post(h, path, string(body), fulfillment.DefaultSignatureHeader, sig); again.Body.String() != w.Body.String() || rec.calls.Load() != 1 {
				t.Fatalf("retry answered %s after %s, %d calls", again.Body, w.Body, rec.calls.Load())
			}
		default:
			t.Fatalf("status %d", w.Code)
		}
	})
}

// Whatever the body and fields, a body the Signer can sign verifies with
// its signature and not with another; the canonical input is a JSON object
// of the fields.
func FuzzSignature(f *testing.F) {
	f.Add([]byte(`{"checkout":{"orderId":"ORD-42"},"product":{"publisherProductId":"PRD-9","quantity":3}}`), "$.checkout.orderId", "$.product.quantity")
	f.Add([]byte(`{"a":[{"b":1.50}],"c d":"<&>"}`), "$.a[0].b", "$['c d']")
	f.Add([]byte(`{"a":1e400,"b":-0.0e-5}`), "$.a", "$.b")
	f.Add([]byte(`{"a":"\ud800"}`), "$.a", "$.z")
	f.Fuzz(func(t *testing.T, body []byte, field1, field2 string) {
		s, err := fulfillment.NewSigner("k", field1, field2)
		if err != nil {
			return
		}
		sig, err := s.Sign(body)
		if err != nil {
			if s.Verify(body, strings.Repeat("0", 64)) == nil {
				t.Fatal("an unsignable body verified")
			}
			return
		}
		if len(sig) != 64 || strings.ToLower(sig) != sig {
			t.Fatalf("signature %q is not 64 lowercase hex digits", sig)
		}
		if err := s.Verify(body, sig); err != nil {
			t.Fatalf("Verify(Sign(body)) = %v", err)
		}
		wrong := []byte(sig)
		wrong[0] ^= 1
		if err := s.Verify(body, string(wrong)); !errors.Is(err, fulfillment.ErrBadSignature) {
			t.Fatalf("Verify(altered signature) = %v", err)
		}
		in, _ := s.Canonical(body)
		var m map[string]string
		if err := json.Unmarshal(in, &m); err != nil {
			t.Fatalf("canonical input %q is not a JSON object of strings: %v", in, err)
		}
		for _, f := range s.Fields() {
			if _, ok := m[f]; !ok {
				t.Fatalf("canonical input %q lacks field %q", in, f)
			}
		}
	})
}

// Whatever text the Fulfiller returns, Nexway is handed exactly that text
// or nothing: a 200 answer decodes to the very bytes returned, and only
// text that is not UTF-8 is turned away (503, nothing recorded).
func FuzzAnswerIsWhatWasIssued(f *testing.F) {
	for _, s := range []string{"ABCD-1234", "K\xff", "K\ufffd", `K\ufffd`, `\\ufffd`, "<&>\u2028", "\x00\x1f", "\xed\xa0\x80", ""} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, key, extra string) {
		rec := &recorder{fn: func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
			return &fulfillment.Result{ActivationCode: key, Extra: map[string]any{"extra": []any{extra}}}, nil
		}}
		h := newHandler(t, rec, new(fulfillment.MemoryStore))
		w := post(h, "/licenses/new", bodyFor("fuzz-1"))
		valid := utf8.ValidString(key) && utf8.ValidString(extra)
		switch {
		case w.Code == http.StatusOK && valid:
			var got struct {
				ActivationCode string   `json:"activationCode"`
				Extra          []string `json:"extra"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.ActivationCode != key || len(got.Extra) != 1 || got.Extra[0] != extra {
				t.Fatalf("issued %q and %q, delivered %q and %q", key, extra, got.ActivationCode, got.Extra)
			}
		case w.Code == http.StatusServiceUnavailable && !valid:
		default:
			t.Fatalf("status %d for %q, %q (UTF-8: %v)", w.Code, key, extra, valid)
		}
	})
}
