package nexwaytest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPublisherFuncRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var got []LicenseRequest
	var mu sync.Mutex
	err := e.s.SetPublisher(733552, PublisherFunc(func(ctx context.Context, req LicenseRequest) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, req)
		return "PUB-" + req.LineItemID[:8], nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	m := e.create(sampleOrder("RT", map[string]any{"productRef": 733552, "quantity": 2, "amountTotal": 159.98}), 0)
	keys := serials(t, m)[0]
	if len(keys) != 2 || !strings.HasPrefix(keys[0], "PUB-") || keys[0] == keys[1] {
		t.Fatalf("serials = %v", keys)
	}
	if len(got) != 2 {
		t.Fatalf("%d publisher calls, want one per unit", len(got))
	}
	r := got[0]
	if r.OrderID != "10000001" || r.ProductRef != 733552 || r.ProductName != "Nexway Total Security 2026" ||
		r.GrossPrice != 79.99 || r.Currency != "EUR" || r.UserID != "cust-42" || r.Email != "jane.doe@example.com" ||
		r.Country != "FR" || r.Locale != "fr-FR" || r.FirstName != "Jane" || r.LastName != "Doe" {
		t.Errorf("request = %+v", r)
	}
	if len(r.FulfillmentID) != 36 || len(r.LineItemID) != 36 || r.FulfillmentID == got[1].FulfillmentID || r.LineItemID == got[1].LineItemID {
		t.Errorf("ids = %+v / %+v", r, got[1])
	}
	if err := e.s.SetPublisher(1, GeneratedKeys("X")); err == nil {
		t.Error("SetPublisher on unknown product")
	}
	if err := e.s.SetPublisher(733552, nil); err == nil {
		t.Error("SetPublisher(nil)")
	}
}

func TestPublisherFailureThenRecovery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var mu sync.Mutex
	fail := true
	calls := 0
	err := e.s.SetPublisher(733552, PublisherFunc(func(ctx context.Context, req LicenseRequest) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if fail {
			return "", errors.New(`HTTP 500: {"secret":"publisher body"}`)
		}
		return "LATE-" + req.FulfillmentID[:4], nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	m := e.create(sampleOrder("PF", line(733551, 1), line(733552, 1)), 0) // root OK
	lines := arr(t, m, "orderLines")
	if num(t, lines[0], "responseCode") != 0 {
		t.Errorf("batch line failed: %v", lines[0])
	}
	l := lines[1]
	item := arr(t, l, "lineItems")[0]
	if num(t, l, "responseCode") != 1051 || num(t, item, "responseCode") != 1051 || len(arr(t, item, "serials")) != 0 {
		t.Fatalf("failed line = %v", l)
	}
	if msg := str(t, item, "responseMessage"); !strings.Contains(msg, "licences currently not available") || strings.Contains(msg, "publisher body") {
		t.Errorf("item message = %q", msg)
	}
	// Each read retries; still failing.
	wantCode(t, e.json("GET", "/connect/order/PF", nil), 0)
	mu.Lock()
	if calls != 2 {
		t.Errorf("%d calls after one get, want 2", calls)
	}
	fail = false
	mu.Unlock()
	g := e.json("GET", "/connect/order/PF/download", nil) // download info retries too
	wantCode(t, g, 0)
	g = e.json("GET", "/connect/order/PF", nil)
	l = arr(t, g, "orderLines")[1]
	if num(t, l, "responseCode") != 0 || !strings.HasPrefix(serials(t, g)[1][0], "LATE-") {
		t.Fatalf("after recovery: %v", l)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 3 {
		t.Errorf("%d calls, want 3 (no call once delivered)", calls)
	}
}

func TestPublisherPanicIsAFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.s.SetPublisher(733552, PublisherFunc(func(context.Context, LicenseRequest) (string, error) {
		panic("boom")
	})); err != nil {
		t.Fatal(err)
	}
	m := e.create(sampleOrder("PANIC", line(733552, 1)), 0)
	if num(t, arr(t, m, "orderLines")[0], "responseCode") != 1051 {
		t.Fatalf("line = %v", m)
	}
	// Same for an empty key and for a real-time product without a publisher.
	if err := e.s.SetPublisher(733552, PublisherFunc(func(context.Context, LicenseRequest) (string, error) { return " ", nil })); err != nil {
		t.Fatal(err)
	}
	m = e.create(sampleOrder("EMPTY", line(733552, 1)), 0)
	if num(t, arr(t, m, "orderLines")[0], "responseCode") != 1051 {
		t.Fatalf("line = %v", m)
	}
	if err := e.s.AddProducts(Product{Ref: 60, Name: "No pub", Currency: "EUR", Fulfillment: FulfillRealTime}); err != nil {
		t.Fatal(err)
	}
	m = e.create(sampleOrder("NOPUB", line(60, 1)), 0)
	if num(t, arr(t, m, "orderLines")[0], "responseCode") != 1051 {
		t.Fatalf("line = %v", m)
	}
}

// publisherStub is an httptest publisher endpoint that records requests and
// answers with the next queued response.
type publisherStub struct {
	mu      sync.Mutex
	reqs    []*http.Request
	bodies  []map[string]any
	answers []stubAnswer
	ts      *httptest.Server
}

type stubAnswer struct {
	status int
	body   string
}

func newPublisherStub(t *testing.T, answers ...stubAnswer) *publisherStub {
	p := &publisherStub{answers: answers}
	p.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		p.mu.Lock()
		p.reqs = append(p.reqs, r)
		p.bodies = append(p.bodies, m)
		a := stubAnswer{200, `{"activationCode":"DEFAULT"}`}
		if len(p.answers) > 0 {
			a, p.answers = p.answers[0], p.answers[1:]
		}
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(p.ts.Close)
	return p
}

func TestHTTPPublisherAgainstEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stub := newPublisherStub(t,
		stubAnswer{200, `{"licenses":[{"key":"ABCD-1234-EFGH-5678","expiresAt":"2027-06-04T00:00:00Z"}]}`},
		stubAnswer{200, `{"errorCode":"","errorMessage":"","activationCode":"WOO-1"}`},
	)
	pub := HTTPPublisher{BaseURL: stub.ts.URL + "/", Username: "nexway", Password: "s3cret", Client: stub.ts.Client()}
	if err := e.s.SetPublisher(733552, pub); err != nil {
		t.Fatal(err)
	}
	m := e.create(sampleOrder("HP", map[string]any{"productRef": 733552, "quantity": 2, "amountTotal": 100}), 0)
	if got := serials(t, m)[0]; len(got) != 2 || got[0] != "ABCD-1234-EFGH-5678" || got[1] != "WOO-1" {
		t.Fatalf("serials = %v", got)
	}
	stub.mu.Lock()
	defer stub.mu.Unlock()
	if len(stub.reqs) != 2 {
		t.Fatalf("%d publisher calls", len(stub.reqs))
	}
	r := stub.reqs[0]
	if r.Method != "POST" || r.URL.Path != "/licenses/new" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("request %s %s %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	if u, p, ok := r.BasicAuth(); !ok || u != "nexway" || p != "s3cret" {
		t.Errorf("basic auth = %q %q %v", u, p, ok)
	}
	b := stub.bodies[0]
	wantShape(t, "body", b, map[string]kind{"fulfillmentId": kString, "checkout": kObject, "user": kObject, "product": kObject})
	co := b["checkout"].(map[string]any)
	wantShape(t, "checkout", co, map[string]kind{"orderId": kString, "lineItemId": kString, "price": kObject})
	wantShape(t, "checkout.price", co["price"], map[string]kind{"grossPrice": kNumber, "currency": kString})
	user := b["user"].(map[string]any)
	wantShape(t, "user", user, map[string]kind{"id": kString, "email": kString, "country": kString, "locale": kString, "firstName": kString, "lastName": kString})
	prod := b["product"].(map[string]any)
	wantShape(t, "product", prod, map[string]kind{"id": kString, "name": kString, "price": kObject})
	if co["orderId"] != "10000001" || co["price"].(map[string]any)["grossPrice"] != 50.0 || co["price"].(map[string]any)["currency"] != "EUR" ||
		user["email"] != "jane.doe@example.com" || user["country"] != "FR" || user["locale"] != "fr-FR" || user["id"] != "cust-42" ||
		prod["id"] != "733552" || prod["name"] != "Nexway Total Security 2026" {
		t.Errorf("body = %v", b)
	}
	if len(b["fulfillmentId"].(string)) != 36 || b["fulfillmentId"] == stub.bodies[1]["fulfillmentId"] {
		t.Errorf("fulfillmentIds %v / %v", b["fulfillmentId"], stub.bodies[1]["fulfillmentId"])
	}
}

func TestHTTPPublisherFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    stubAnswer
		want string
	}{
		{"server error", stubAnswer{500, `{"activationCode":"NO"}`}, "HTTP 500"},
		{"unauthorized", stubAnswer{401, ``}, "HTTP 401"},
		{"errorCode", stubAnswer{200, `{"errorCode":"license_unavailable","errorMessage":"sorry","activationCode":"NO"}`}, "license_unavailable"},
		{"numeric errorCode", stubAnswer{200, `{"errorCode":42,"activationCode":"NO"}`}, "42"},
		{"error object", stubAnswer{200, `{"error":{"code":"LICENSE_POOL_EXHAUSTED","message":"No available licenses"}}`}, "LICENSE_POOL_EXHAUSTED"},
		{"no key", stubAnswer{200, `{"licenses":[]}`}, "no key"},
		{"not JSON", stubAnswer{200, `<html>ok</html>`}, "not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stub := newPublisherStub(t, tc.a)
			pub := HTTPPublisher{BaseURL: stub.ts.URL}
			key, err := pub.Issue(context.Background(), LicenseRequest{FulfillmentID: "f", ProductRef: 1})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("key %q, err %v; want error with %q", key, err, tc.want)
			}
			if strings.Contains(err.Error(), "sorry") || strings.Contains(err.Error(), "No available") {
				t.Errorf("error echoes the publisher's message: %v", err)
			}
		})
	}
	// Unreachable endpoint and a client timeout.
	if _, err := (HTTPPublisher{BaseURL: "http://127.0.0.1:1"}).Issue(context.Background(), LicenseRequest{}); err == nil {
		t.Error("unreachable endpoint succeeded")
	}
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer slow.Close()
	defer close(block)
	c := slow.Client()
	c.Timeout = 50 * time.Millisecond
	if _, err := (HTTPPublisher{BaseURL: slow.URL, Client: c}).Issue(context.Background(), LicenseRequest{}); err == nil {
		t.Error("timeout not enforced")
	}
}

// Without background retries, a failed unit waits for the next read.
func TestHTTPPublisherFailureGives1051(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stub := newPublisherStub(t, stubAnswer{503, `{"detail":"publisher-internal-detail"}`}, stubAnswer{200, `{"activationCode":"RECOVERED"}`})
	if err := e.s.SetPublisher(733552, HTTPPublisher{BaseURL: stub.ts.URL, Retries: -1}); err != nil {
		t.Fatal(err)
	}
	status, raw := e.call("POST", "/connect/order/new", sampleOrder("HF", line(733552, 1)))
	if status != 200 || strings.Contains(string(raw), "publisher-internal-detail") {
		t.Fatalf("HTTP %d %s", status, raw)
	}
	m := decodeObject(t, raw)
	wantCode(t, m, 0)
	if num(t, arr(t, m, "orderLines")[0], "responseCode") != 1051 {
		t.Fatalf("line = %v", m)
	}
	g := e.json("GET", "/connect/order/HF", nil)
	if got := serials(t, g)[0]; len(got) != 1 || got[0] != "RECOVERED" {
		t.Fatalf("after retry: %v", got)
	}
}

func TestGeneratedKeys(t *testing.T) {
	t.Parallel()
	g := GeneratedKeys("NTS")
	a, _ := g.Issue(context.Background(), LicenseRequest{FulfillmentID: "one"})
	b, _ := g.Issue(context.Background(), LicenseRequest{FulfillmentID: "one"})
	c, _ := g.Issue(context.Background(), LicenseRequest{FulfillmentID: "two"})
	if a != b || a == c || !strings.HasPrefix(a, "NTS-") || len(a) != len("NTS-XXXX-XXXX-XXXX") {
		t.Fatalf("keys %q %q %q", a, b, c)
	}
	// Same seed, same keys; different seed, different keys.
	keysOf := func(seed int64) string {
		s := seededServer(t, seed)
		rec := serveDirect(s, "POST", "/connect/order/new", mustJSON(t, sampleOrder("G", line(733552, 3))))
		return rec.Body.String()
	}
	first, second := keysOf(5), keysOf(5)
	if first != second {
		t.Error("not deterministic")
	}
	if first == keysOf(6) {
		t.Error("seed ignored")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A subscription's renewal calls /licenses/renew on the subscribed unit's
// license, with the renewal order's id and the subscription's: each
// generation a call of its own.
func TestHTTPPublisherRenewRoute(t *testing.T) {
	t.Parallel()
	type seen struct {
		path string
		body publisherBody
	}
	var (
		mu   sync.Mutex
		got  []seen
		keys = 0
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b publisherBody
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			t.Errorf("body: %v", err)
		}
		mu.Lock()
		got = append(got, seen{r.URL.Path, b})
		keys++
		n := keys
		mu.Unlock()
		io.WriteString(w, `{"activationCode":"K-`+string(rune('0'+n))+`"}`)
	}))
	defer srv.Close()
	e := newEnv(t)
	if err := e.s.SetPublisher(733570, &HTTPPublisher{BaseURL: srv.URL + "/f/", Retries: -1}); err != nil {
		t.Fatal(err)
	}
	id := e.subscribe("RW", 733570)
	e.s.Advance(62 * 24 * time.Hour)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("%d calls, want a create and two renewals: %+v", len(got), got)
	}
	for i, want := range []string{"/f/licenses/new", "/f/licenses/renew", "/f/licenses/renew"} {
		c := got[i]
		if c.path != want || c.body.FulfillmentID != got[0].body.FulfillmentID {
			t.Errorf("call %d: %s on license %s, want %s on %s", i, c.path, c.body.FulfillmentID, want, got[0].body.FulfillmentID)
		}
		if i > 0 && (c.body.Checkout.SubscriptionID != strconv.Itoa(id) || c.body.Checkout.OrderID == got[i-1].body.Checkout.OrderID) {
			t.Errorf("renewal %d: checkout %+v, want subscription %d and an order of its own", i, c.body.Checkout, id)
		}
	}
	for i, pon := range []string{"RW-1", "RW-2"} {
		snap, _ := e.s.Order(pon)
		if len(snap.Lines) != 1 || len(snap.Lines[0].Keys) != 1 || snap.Lines[0].Keys[0] != "K-"+string(rune('2'+i)) ||
			got[i+1].body.Checkout.OrderID != strconv.Itoa(snap.OrderNumber) {
			t.Errorf("renewal order %s = %+v", pon, snap)
		}
	}
	// Generated keys differ per generation although the license is one.
	g := GeneratedKeys("G")
	a, _ := g.Issue(context.Background(), LicenseRequest{Operation: OperationRenew, FulfillmentID: "f", OrderID: "1"})
	b, _ := g.Issue(context.Background(), LicenseRequest{Operation: OperationRenew, FulfillmentID: "f", OrderID: "2"})
	c, _ := g.Issue(context.Background(), LicenseRequest{Operation: OperationCreate, FulfillmentID: "f", OrderID: "1"})
	if a == b || a == c || b == c {
		t.Errorf("generated keys %s, %s, %s: want three", a, b, c)
	}
}
