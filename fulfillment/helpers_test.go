package fulfillment_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nexway-go/nexway/fulfillment"
)

const (
	testUser     = "nexway"
	testPassword = "pa55-w0rd-secret"
)

// sampleBody is the default template's body as Nexway documents it.
const sampleBody = `{
  "fulfillmentId": "6c0edf3e-8d5c-4a1e-9f3a-0d3b5c1e2f40",
  "checkout": {
    "orderId": "ORD-1001",
    "lineItemId": "0b9a6f0e-1111-4c2d-8e3f-222233334444",
    "subscriptionId": "9f1c2d3e-5555-4a6b-8c7d-666677778888",
    "cartExternalContext": "eyJjdXN0b21QYXJhbSI6dHJ1ZX0",
    "trialContext": "CREATION",
    "price": {"grossPrice": 29.99, "currency": "EUR"}
  },
  "user": {
    "id": "u-77", "email": "jane.doe@example.com", "country": "FR", "locale": "fr-FR",
    "firstName": "Jane", "lastName": "Doe", "companyName": "ACME", "companyIdentifier": "FR123",
    "city": "Paris", "zipCode": "75001"
  },
  "product": {
    "id": "3f0c7a9e-aaaa-4bbb-8ccc-dddddddddddd", "name": "ACME Pro", "publisherProductId": "ACME-PRO",
    "externalContext": "ext", "priceFunctionParameters": {"seats": "5"},
    "variables": {"region": "EU"},
    "price": {"grossPrice": 29.99, "currency": "EUR"}
  }
}`

// bodyFor returns a default-template body for the fulfillment id.
func bodyFor(id string) string {
	b, _ := json.Marshal(map[string]any{
		"fulfillmentId": id,
		"checkout":      map[string]any{"orderId": "ORD-1", "lineItemId": "L-1", "price": map[string]any{"grossPrice": 10, "currency": "EUR"}},
		"user":          map[string]any{"id": "u", "email": "jane.doe@example.com", "country": "FR", "locale": "fr-FR"},
		"product":       map[string]any{"id": "p", "name": "P", "publisherProductId": "SKU-1", "price": map[string]any{"grossPrice": 10, "currency": "EUR"}},
	})
	return string(b)
}

// recorder is a Fulfiller that issues KEY-<id>-<n> and remembers its calls.
type recorder struct {
	calls atomic.Int64
	mu    sync.Mutex
	reqs  []*fulfillment.Request
	// fn, when set, answers instead.
	fn func(ctx context.Context, req *fulfillment.Request) (*fulfillment.Result, error)
}

func (r *recorder) Fulfill(ctx context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
	n := r.calls.Add(1)
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	if r.fn != nil {
		return r.fn(ctx, req)
	}
	return &fulfillment.Result{ActivationCode: "KEY-" + req.FulfillmentID + "-" + strconv.FormatInt(n, 10)}, nil
}

// newHandler builds a handler with Basic auth and the options given.
func newHandler(t testing.TB, f fulfillment.Fulfiller, s fulfillment.Store, opts ...fulfillment.Option) *fulfillment.Handler {
	t.Helper()
	h, err := fulfillment.NewHandler(f, s, append([]fulfillment.Option{fulfillment.WithBasicAuth(testUser, testPassword)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// post sends an authenticated POST with body to h.
func post(h http.Handler, path, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.SetBasicAuth(testUser, testPassword)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// answer decodes a 200 answer, failing the test on any other status.
func answer(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d (%s), want 200", w.Code, strings.TrimSpace(w.Body.String()))
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("answer %q is not a JSON object: %v", w.Body, err)
	}
	return m
}

// noRead is a body that fails the test if anything reads it.
type noRead struct{ t testing.TB }

func (n noRead) Read([]byte) (int, error) {
	n.t.Errorf("the body was read")
	return 0, io.EOF
}
