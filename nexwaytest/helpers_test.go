package nexwaytest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// t0 is the manual clock's start in tests.
var t0 = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

// env is a fake behind a real loopback HTTP server, on a manual clock.
type env struct {
	t     *testing.T
	s     *Server
	ts    *httptest.Server
	clock *manualClock
}

// newEnv starts a fake seeded with the default catalog. mod may adjust the
// config before the server is built.
func newEnv(t *testing.T, mod ...func(*config)) *env {
	t.Helper()
	clk := newManualClock(t0)
	cfg := config{clock: clk, seed: 1}
	for _, m := range mod {
		m(&cfg)
	}
	s := newUnstarted(cfg)
	if err := s.seedDefaults(); err != nil {
		t.Fatalf("seedDefaults: %v", err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return &env{t: t, s: s, ts: ts, clock: clk}
}

// call sends a request with the test secret and returns the HTTP status and
// the raw body. body may be nil, a string (sent as is) or a value (JSON).
func (e *env) call(method, path string, body any, hdr ...string) (int, []byte) {
	e.t.Helper()
	req := e.request(method, path, body, hdr...)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, b
}

// request builds a request with the secret header set (override or remove
// it with hdr pairs; a pair with an empty value deletes the header).
func (e *env) request(method, path string, body any, hdr ...string) *http.Request {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("secret", "test-secret")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	return req
}

// json sends a request, expects HTTP 200, and decodes the body as an object.
func (e *env) json(method, path string, body any, hdr ...string) map[string]any {
	e.t.Helper()
	status, b := e.call(method, path, body, hdr...)
	if status != http.StatusOK {
		e.t.Fatalf("%s %s: HTTP %d: %s", method, path, status, b)
	}
	return decodeObject(e.t, b)
}

func decodeObject(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, b)
	}
	return m
}

// code returns a decoded object's responseCode.
func code(t *testing.T, m map[string]any) int {
	t.Helper()
	c, ok := m["responseCode"].(float64)
	if !ok {
		t.Fatalf("responseCode missing or not a number: %v", m)
	}
	return int(c)
}

// wantCode fails unless the object's responseCode is want.
func wantCode(t *testing.T, m map[string]any, want int) {
	t.Helper()
	if got := code(t, m); got != want {
		t.Fatalf("responseCode = %d (%v), want %d", got, m["responseMessage"], want)
	}
	msg, ok := m["responseMessage"].(string)
	if !ok || msg == "" {
		t.Fatalf("responseMessage missing or empty: %v", m)
	}
	if want == 0 && msg != "OK" {
		t.Fatalf("responseMessage = %q, want OK", msg)
	}
}

// kind names a JSON type for shape checks.
type kind int

const (
	kString kind = iota
	kNumber
	kObject
	kArray
	kNull
	kArrayOrNull
)

// wantShape fails unless obj has exactly the given keys with the given
// JSON types.
func wantShape(t *testing.T, where string, obj any, shape map[string]kind) {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("%s: not an object: %v", where, obj)
	}
	for k, want := range shape {
		v, present := m[k]
		if !present {
			t.Errorf("%s: key %q missing", where, k)
			continue
		}
		var good bool
		switch want {
		case kString:
			_, good = v.(string)
		case kNumber:
			_, good = v.(float64)
		case kObject:
			_, good = v.(map[string]any)
		case kArray:
			_, good = v.([]any)
		case kNull:
			good = v == nil
		case kArrayOrNull:
			_, good = v.([]any)
			good = good || v == nil
		}
		if !good {
			t.Errorf("%s: key %q = %#v, wrong JSON type", where, k, v)
		}
	}
	for k := range m {
		if _, known := shape[k]; !known {
			t.Errorf("%s: unexpected key %q", where, k)
		}
	}
}

// arr returns m[key] as an array of objects.
func arr(t *testing.T, m map[string]any, key string) []map[string]any {
	t.Helper()
	raw, ok := m[key].([]any)
	if !ok {
		t.Fatalf("%q is not an array: %v", key, m[key])
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		o, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s[%d] is not an object: %v", key, i, v)
		}
		out[i] = o
	}
	return out
}

func num(t *testing.T, m map[string]any, key string) int {
	t.Helper()
	v, ok := m[key].(float64)
	if !ok {
		t.Fatalf("%q is not a number: %v", key, m[key])
	}
	return int(v)
}

func str(t *testing.T, m map[string]any, key string) string {
	t.Helper()
	v, ok := m[key].(string)
	if !ok {
		t.Fatalf("%q is not a string: %v", key, m[key])
	}
	return v
}

// sampleOrder is the create-order sample of Nexway's documentation
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/create-order)
// with the given partner order number and lines (default: one 733551).
func sampleOrder(pon string, lines ...map[string]any) map[string]any {
	if len(lines) == 0 {
		lines = []map[string]any{line(733551, 1)}
	}
	ls := make([]any, len(lines))
	for i, l := range lines {
		ls[i] = l
	}
	return map[string]any{
		"partnerOrderNumber": pon,
		"orderDate":          "2024-05-01T10:15:00+02:00",
		"marketingProgramId": "spring-campaign",
		"currency":           "EUR",
		"orderLines":         ls,
		"customer": map[string]any{
			"partnerId": "cust-42",
			"email":     "jane.doe@example.com",
			"language":  "fr_FR",
			"ipV4":      "203.0.113.10",
			"locationInvoice": map[string]any{
				"title": 1, "firstName": "Jane", "lastName": "Doe", "companyName": "",
				"address1": "1 rue Exemple", "address2": "", "zipCode": "75001",
				"city": "Paris", "province": "", "country": "FR", "phone": "", "fax": "",
			},
		},
		"payment":   map[string]any{"paymentMethod": "External Payment"},
		"discounts": []any{},
		"metadata":  []any{map[string]any{"key": "channel", "value": "web"}},
	}
}

// line is an order line with the sample's prices.
func line(ref, qty int) map[string]any {
	return map[string]any{"productRef": ref, "quantity": qty, "vatRate": 20.0, "amountDutyFree": 41.66, "amountTotal": 49.99}
}

// create posts an order and expects responseCode want.
func (e *env) create(body any, want int) map[string]any {
	e.t.Helper()
	m := e.json("POST", "/connect/order/new", body)
	wantCode(e.t, m, want)
	return m
}

// serials returns every serial of a create/get answer, line by line.
func serials(t *testing.T, m map[string]any) [][]string {
	t.Helper()
	var out [][]string
	for _, l := range arr(t, m, "orderLines") {
		var keys []string
		for _, it := range arr(t, l, "lineItems") {
			for _, s := range arr(t, it, "serials") {
				keys = append(keys, str(t, s, "data"))
			}
		}
		out = append(out, keys)
	}
	return out
}

// pathEscape escapes a partner order number for a URL path segment.
func pathEscape(s string) string { return url.PathEscape(s) }
