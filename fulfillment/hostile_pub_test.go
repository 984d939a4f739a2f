package fulfillment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nexway-go/nexway/fulfillment"
)

// panicky is an Extra value whose encoding panics: publisher code run
// after the Fulfiller returned.
type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("encoder bug for jane.doe@example.com") }

// Whatever the Fulfiller (or the values it returns) does, ServeHTTP does
// not panic, no answer that differs from what the Fulfiller returned is
// recorded, and the unit is released at once: the next retry runs the
// Fulfiller again instead of meeting a lease held for a minute.
func TestGarbageFromFulfiller(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		fn   func(context.Context, *fulfillment.Request) (*fulfillment.Result, error)
		want int // status of the first call
	}{
		"typed nil *Refusal": {func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
			var r *fulfillment.Refusal
			return &fulfillment.Result{ActivationCode: "K"}, r
		}, http.StatusServiceUnavailable},
		"Extra whose encoding panics": {func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
			return &fulfillment.Result{ActivationCode: "K", Extra: map[string]any{"x": panicky{}}}, nil
		}, http.StatusInternalServerError},
		"refusal whose encoding panics": {func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
			return nil, fulfillment.Refuse("C", "m")
		}, http.StatusInternalServerError},
		"key that is not UTF-8": {func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
			return &fulfillment.Result{ActivationCode: "KEY-\xff"}, nil
		}, http.StatusServiceUnavailable},
		"file content that is not UTF-8": {func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
			return &fulfillment.Result{ActivationCode: "K", ActivationFileContent: "\x30\x82\x01\xff"}, nil
		}, http.StatusServiceUnavailable},
		"Extra value that is not UTF-8": {func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
			return &fulfillment.Result{ActivationCode: "K", Extra: map[string]any{"serials": []any{"S-\xfe"}}}, nil
		}, http.StatusServiceUnavailable},
		"Extra raw JSON that is not UTF-8": {func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
			return &fulfillment.Result{ActivationCode: "K", Extra: map[string]any{"raw": json.RawMessage("\"S-\xff\"")}}, nil
		}, http.StatusServiceUnavailable},
		"refusal code that is not UTF-8": {func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
			return nil, fulfillment.Refuse("NO_\xffSTOCK", "m")
		}, http.StatusServiceUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{fn: tc.fn}
			opts := []fulfillment.Option{}
			if name == "refusal whose encoding panics" {
				opts = append(opts, fulfillment.WithAnswerShape(panickyShape{}))
			}
			h := newHandler(t, rec, new(fulfillment.MemoryStore), opts...)
			for i := range 2 {
				var w *httptest.ResponseRecorder
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Fatalf("call %d: ServeHTTP panicked: %v", i, p)
						}
					}()
					w = post(h, "/licenses/new", bodyFor("garbage-1"))
				}()
				if w.Code != tc.want {
					t.Fatalf("call %d: status %d (%s), want %d", i, w.Code, strings.TrimSpace(w.Body.String()), tc.want)
				}
			}
			if n := rec.calls.Load(); n != 2 {
				t.Fatalf("the Fulfiller ran %d times for two calls: the unit was not released", n)
			}
		})
	}
}

// panickyShape lays out a refusal with a value whose encoding panics.
type panickyShape struct{ fulfillment.FlatAnswer }

func (panickyShape) Refused(*fulfillment.Refusal) any { return panicky{} }

// A success whose Extra holds Nexway's failure names would be read by
// Nexway as a failure, retried forever, and its recorded key never
// delivered: the flat layout leaves those names out.
func TestFlatAnswerExtraCannotFail(t *testing.T) {
	t.Parallel()
	rec := &recorder{fn: func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
		return &fulfillment.Result{ActivationCode: "K-1", Extra: map[string]any{"errorCode": "X", "errorMessage": "y", "successFlag": "false", "seats": 5}}, nil
	}}
	h := newHandler(t, rec, new(fulfillment.MemoryStore))
	got := answer(t, post(h, "/licenses/new", bodyFor("extra-1")))
	for _, name := range []string{"errorCode", "errorMessage", "successFlag"} {
		if v, ok := got[name]; ok {
			t.Errorf("a success carries %s=%v", name, v)
		}
	}
	if got["activationCode"] != "K-1" || got["seats"] != float64(5) {
		t.Errorf("answer %v lost the key or the extra field", got)
	}
}

// The Fulfiller's own error text may quote the buyer; the handler's log
// line does not.
func TestFulfillerErrorLoggedWithoutEmail(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	rec := &recorder{fn: func(_ context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
		return nil, errors.New("licensing db down, inserting " + req.Body.User.Email + " / Jane.Doe@Example.com")
	}}
	h := newHandler(t, rec, new(fulfillment.MemoryStore), fulfillment.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if w := post(h, "/licenses/new", bodyFor("log-1")); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", w.Code)
	}
	if !strings.Contains(logs.String(), "licensing db down") {
		t.Fatalf("the failure was not logged: %s", logs.String())
	}
	if strings.Contains(strings.ToLower(logs.String()), "jane.doe@example.com") {
		t.Errorf("a log line carries the buyer's e-mail: %s", logs.String())
	}
}

// RFC 7617 §2: a user-id holding a colon can never be sent, and neither
// may control characters: such credentials are refused when the handler
// is built, naming the field, rather than locking Nexway out. What a
// client may send is accepted: the scheme in any case, a colon in the
// password, UTF-8.
func TestBasicAuthRFC7617(t *testing.T) {
	t.Parallel()
	for _, c := range [][2]string{{"nex:way", "pw"}, {"nexway", "pw\n"}, {"nex\x00way", "pw"}, {"nexway", "pw\x7f"}, {"nexway", "pw\xff"}} {
		_, err := fulfillment.NewHandler(&recorder{}, new(fulfillment.MemoryStore), fulfillment.WithBasicAuth(c[0], c[1]))
		if err == nil {
			t.Errorf("WithBasicAuth(%q, %q) accepted", c[0], c[1])
			continue
		}
		if strings.Contains(err.Error(), c[1]) || (!strings.Contains(err.Error(), "user") && !strings.Contains(err.Error(), "password")) {
			t.Errorf("WithBasicAuth(%q, %q): error %q does not name the field, or shows the password", c[0], c[1], err)
		}
	}
	h, err := fulfillment.NewHandler(&recorder{}, new(fulfillment.MemoryStore), fulfillment.WithBasicAuth("nexwäy", "pa:ss:wörd"))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/licenses/new", strings.NewReader(bodyFor("auth-1")))
	req.SetBasicAuth("nexwäy", "pa:ss:wörd")
	req.Header.Set("Authorization", "bASIC "+strings.TrimPrefix(req.Header.Get("Authorization"), "Basic "))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	answer(t, w)
}

// A body that stalls half way (slowloris) holds no unit: the handler
// reads the whole body before claiming, so a retry of the same unit is
// served meanwhile.
func TestStalledBodyHoldsNoUnit(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := newHandler(t, rec, new(fulfillment.MemoryStore))
	body := bodyFor("stall-1")
	pr, pw := io.Pipe()
	req := httptest.NewRequest(http.MethodPost, "/licenses/new", pr)
	req.SetBasicAuth(testUser, testPassword)
	done := make(chan int)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		done <- w.Code
	}()
	if _, err := pw.Write([]byte(body[:len(body)/2])); err != nil { // returns once the handler read it
		t.Fatal(err)
	}
	answer(t, post(h, "/licenses/new", body))
	pw.CloseWithError(io.ErrUnexpectedEOF)
	if code := <-done; code == http.StatusOK {
		t.Errorf("a cut body was answered 200")
	}
	if n := rec.calls.Load(); n != 1 {
		t.Errorf("the Fulfiller ran %d times, want 1", n)
	}
}

// Text that is UTF-8 is delivered as it is, U+FFFD and backslashes
// included: only bytes encoding/json would replace are refused.
func TestAnswerKeepsUnusualText(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"KEY-\ufffd", `KEY-\ufffd`, `KEY-\\`, "KEY-\u2028<&>"} {
		rec := &recorder{fn: func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) {
			return &fulfillment.Result{ActivationCode: key}, nil
		}}
		h := newHandler(t, rec, new(fulfillment.MemoryStore))
		if got := answer(t, post(h, "/licenses/new", bodyFor("text-1")))["activationCode"]; got != key {
			t.Errorf("key %q delivered as %q", key, got)
		}
	}
}

// A signature binds the request only as far as its fields reach: if they
// leave out the unit's id (the published test vector's fields do), or the
// generation's for a renewal (signing $.fulfillmentId alone does), one
// captured request, replayed with another id or order id, obtains a key
// per id the attacker makes up. NewHandler refuses such a configuration,
// naming the path to sign; once it covers the unit, a replay with another
// id fails the signature.
func TestSignatureMustCoverTheUnit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fields []string
		opts   []fulfillment.Option
		want   string // in the error; "" when the handler builds
	}{
		{"vector's fields", []string{"$.checkout.orderId", "$.product.publisherProductId", "$.product.quantity"}, nil, "$.fulfillmentId"},
		{"id alone, renewals routed", []string{"$.fulfillmentId"}, nil, "$.checkout.orderId"},
		{"id alone, no renewal route", []string{"$.fulfillmentId"}, []fulfillment.Option{fulfillment.WithRoutes(map[string]fulfillment.Operation{"/licenses/new": fulfillment.OpCreate, "/licenses/cancel": fulfillment.OpCancel})}, ""},
		{"bracket spelling", []string{"$['fulfillmentId']", "$['checkout'].orderId"}, nil, ""},
		{"custom id unsigned", []string{"$.sku"}, []fulfillment.Option{fulfillment.WithCustomBody[map[string]any]("$.licenseId")}, "$.licenseId"},
		{"custom generation unsigned", []string{"$.licenseId"}, []fulfillment.Option{fulfillment.WithCustomBody[map[string]any]("$.licenseId"), fulfillment.WithGenerationPath("$.renewal.order")}, "$.renewal.order"},
		{"custom, keyed by id alone", []string{"$.licenseId"}, []fulfillment.Option{fulfillment.WithCustomBody[map[string]any]("$.licenseId")}, ""},
	} {
		s, err := fulfillment.NewSigner("s3cret", tc.fields...)
		if err != nil {
			t.Fatal(err)
		}
		opts := append([]fulfillment.Option{fulfillment.WithBasicAuth(testUser, testPassword), fulfillment.WithSignature(s)}, tc.opts...)
		_, err = fulfillment.NewHandler(&recorder{}, new(fulfillment.MemoryStore), opts...)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && err == nil:
			t.Errorf("%s: built a handler whose signature does not cover %s", tc.name, tc.want)
		case tc.want != "" && !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: error %q does not name %s", tc.name, err, tc.want)
		}
	}

	// With the unit covered, a captured signature obtains no other unit.
	rec := &recorder{}
	h, s := signedHandler(t, rec)
	captured := strings.Replace(bodyFor("unit-A"), `"ORD-1"`, `"ORD-7"`, 1)
	sig, _ := s.Sign([]byte(captured))
	for _, route := range []string{"/licenses/new", "/licenses/renew"} {
		answer(t, post(h, route, captured, fulfillment.DefaultSignatureHeader, sig))
		for _, forged := range []string{strings.Replace(captured, "unit-A", "unit-B", 1), strings.Replace(captured, "ORD-7", "ORD-8", 1)} {
			if w := post(h, route, forged, fulfillment.DefaultSignatureHeader, sig); w.Code != http.StatusForbidden {
				t.Errorf("%s: a replay with another id: status %d, want 403", route, w.Code)
			}
		}
	}
	if n := rec.calls.Load(); n != 2 {
		t.Errorf("%d units issued from one captured request on two routes, want 2", n)
	}
}

// The URL's query and a trailing slash are not part of a unit: the same
// signed body sent with them is a retry of the same unit, answered from
// the record, and the Fulfiller runs once.
func TestQueryDoesNotSplitAUnit(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h, s := signedHandler(t, rec)
	body := bodyFor("query-1")
	sig, _ := s.Sign([]byte(body))
	first := answer(t, post(h, "/licenses/new", body, fulfillment.DefaultSignatureHeader, sig))
	for _, target := range []string{"/licenses/new?attempt=2", "/licenses/new/?fulfillmentId=query-2", "/licenses/new?"} {
		if got := answer(t, post(h, target, body, fulfillment.DefaultSignatureHeader, sig)); got["activationCode"] != first["activationCode"] {
			t.Errorf("%s: key %v, want the unit's %v", target, got["activationCode"], first["activationCode"])
		}
	}
	if n := rec.calls.Load(); n != 1 {
		t.Errorf("the Fulfiller ran %d times, want 1", n)
	}
}
