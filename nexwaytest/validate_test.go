package nexwaytest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// mutate returns the sample order changed by fn.
func mutate(fn func(o map[string]any)) map[string]any {
	o := sampleOrder("V-1")
	fn(o)
	return o
}

func cust(o map[string]any) map[string]any { return o["customer"].(map[string]any) }

func invoice(o map[string]any) map[string]any {
	return cust(o)["locationInvoice"].(map[string]any)
}

func firstLine(o map[string]any) map[string]any { return o["orderLines"].([]any)[0].(map[string]any) }

// goodDiscount is a complete order-level discount.
func goodDiscount() map[string]any {
	return map[string]any{"foreignRef": "D1", "label": "Spring", "priceDelta": -4.17, "operation": "Percents", "operationValue": 10}
}

func withDiscount(fn func(d map[string]any)) map[string]any {
	return mutate(func(o map[string]any) {
		d := goodDiscount()
		fn(d)
		o["discounts"] = []any{d}
	})
}

func TestCreateOrderValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name string
		body any
		want int
	}{
		{"empty body", "", 100},
		{"blank body", "  \n", 100},
		{"not JSON", "{", 100},
		{"JSON array", "[]", 100},
		{"JSON null", "null", 100},
		{"JSON number", "42", 100},
		{"partnerOrderNumber missing", mutate(func(o map[string]any) { delete(o, "partnerOrderNumber") }), 130},
		{"partnerOrderNumber empty", mutate(func(o map[string]any) { o["partnerOrderNumber"] = "" }), 130},
		{"partnerOrderNumber bool", mutate(func(o map[string]any) { o["partnerOrderNumber"] = true }), 130},
		{"orderDate missing", mutate(func(o map[string]any) { delete(o, "orderDate") }), 140},
		{"orderDate empty", mutate(func(o map[string]any) { o["orderDate"] = "" }), 140},
		{"orderDate no offset", mutate(func(o map[string]any) { o["orderDate"] = "2024-05-01T10:15:00" }), 141},
		{"orderDate space", mutate(func(o map[string]any) { o["orderDate"] = "2024-05-01 10:15:00+02:00" }), 141},
		{"orderDate date only", mutate(func(o map[string]any) { o["orderDate"] = "2024-05-01" }), 141},
		{"orderDate number", mutate(func(o map[string]any) { o["orderDate"] = 1714551300 }), 141},
		{"currency missing", mutate(func(o map[string]any) { delete(o, "currency") }), 120},
		{"currency lower", mutate(func(o map[string]any) { o["currency"] = "eur" }), 121},
		{"currency long", mutate(func(o map[string]any) { o["currency"] = "EURO" }), 121},
		{"currency number", mutate(func(o map[string]any) { o["currency"] = 978 }), 121},
		{"currency not sold", mutate(func(o map[string]any) { o["currency"] = "USD" }), 1021},
		{"orderLines missing", mutate(func(o map[string]any) { delete(o, "orderLines") }), 200},
		{"orderLines empty", mutate(func(o map[string]any) { o["orderLines"] = []any{} }), 200},
		{"orderLines object", mutate(func(o map[string]any) { o["orderLines"] = map[string]any{} }), 200},
		{"productRef missing", mutate(func(o map[string]any) { delete(firstLine(o), "productRef") }), 210},
		{"productRef zero", mutate(func(o map[string]any) { firstLine(o)["productRef"] = 0 }), 211},
		{"productRef negative", mutate(func(o map[string]any) { firstLine(o)["productRef"] = -1 }), 211},
		{"productRef text", mutate(func(o map[string]any) { firstLine(o)["productRef"] = "abc" }), 211},
		{"productRef fraction", mutate(func(o map[string]any) { firstLine(o)["productRef"] = 1.5 }), 211},
		{"productRef huge", mutate(func(o map[string]any) { firstLine(o)["productRef"] = 1e12 }), 211},
		{"quantity missing", mutate(func(o map[string]any) { delete(firstLine(o), "quantity") }), 220},
		{"quantity zero", mutate(func(o map[string]any) { firstLine(o)["quantity"] = 0 }), 221},
		{"quantity text", mutate(func(o map[string]any) { firstLine(o)["quantity"] = "one" }), 221},
		{"quantity over the fake's cap", mutate(func(o map[string]any) { firstLine(o)["quantity"] = 1001 }), 221},
		{"vatRate negative", mutate(func(o map[string]any) { firstLine(o)["vatRate"] = -1 }), 231},
		{"vatRate text", mutate(func(o map[string]any) { firstLine(o)["vatRate"] = "20" }), 231},
		{"amountDutyFree negative", mutate(func(o map[string]any) { firstLine(o)["amountDutyFree"] = -0.01 }), 241},
		{"amountTotal text", mutate(func(o map[string]any) { firstLine(o)["amountTotal"] = "x" }), 251},
		{"customer missing", mutate(func(o map[string]any) { delete(o, "customer") }), 320},
		{"email missing", mutate(func(o map[string]any) { delete(cust(o), "email") }), 320},
		{"email invalid", mutate(func(o map[string]any) { cust(o)["email"] = "not-an-email" }), 321},
		{"email no dot", mutate(func(o map[string]any) { cust(o)["email"] = "jane@localhost" }), 321},
		{"email display name", mutate(func(o map[string]any) { cust(o)["email"] = "Jane <jane@example.com>" }), 321},
		{"language missing", mutate(func(o map[string]any) { delete(cust(o), "language") }), 330},
		{"language bare", mutate(func(o map[string]any) { cust(o)["language"] = "fr" }), 331},
		{"language dash", mutate(func(o map[string]any) { cust(o)["language"] = "fr-FR" }), 331},
		{"language case", mutate(func(o map[string]any) { cust(o)["language"] = "FR_fr" }), 331},
		{"ipV4 invalid", mutate(func(o map[string]any) { cust(o)["ipV4"] = "300.1.1.1" }), 341},
		{"ipV4 is v6", mutate(func(o map[string]any) { cust(o)["ipV4"] = "::1" }), 341},
		{"locationInvoice missing", mutate(func(o map[string]any) { delete(cust(o), "locationInvoice") }), 420},
		{"country missing", mutate(func(o map[string]any) { delete(invoice(o), "country") }), 500},
		{"country empty", mutate(func(o map[string]any) { invoice(o)["country"] = "" }), 500},
		{"country alpha-3", mutate(func(o map[string]any) { invoice(o)["country"] = "FRA" }), 501},
		{"country lower", mutate(func(o map[string]any) { invoice(o)["country"] = "fr" }), 501},
		{"country pseudo XE", mutate(func(o map[string]any) { invoice(o)["country"] = "XE" }), 1023},
		{"country UK", mutate(func(o map[string]any) { invoice(o)["country"] = "UK" }), 1023},
		{"province missing US", mutate(func(o map[string]any) { invoice(o)["country"] = "US"; delete(invoice(o), "province") }), 1048},
		{"province empty CA", mutate(func(o map[string]any) { invoice(o)["country"] = "CA" }), 1048},
		{"province bare", mutate(func(o map[string]any) { invoice(o)["country"] = "US"; invoice(o)["province"] = "NY" }), 1049},
		{"province other country", mutate(func(o map[string]any) { invoice(o)["country"] = "US"; invoice(o)["province"] = "CA-ON" }), 1049},
		{"province lower", mutate(func(o map[string]any) { invoice(o)["country"] = "AU"; invoice(o)["province"] = "AU-nsw" }), 1049},
		{"province on FR malformed", mutate(func(o map[string]any) { invoice(o)["province"] = "Paris" }), 1049},
		{"discounts not array", mutate(func(o map[string]any) { o["discounts"] = "x" }), 600},
		{"discount null", mutate(func(o map[string]any) { o["discounts"] = []any{nil} }), 600},
		{"discount foreignRef missing", withDiscount(func(d map[string]any) { delete(d, "foreignRef") }), 610},
		{"discount foreignRef invalid", withDiscount(func(d map[string]any) { d["foreignRef"] = []any{} }), 611},
		{"discount label missing", withDiscount(func(d map[string]any) { delete(d, "label") }), 620},
		{"discount label invalid", withDiscount(func(d map[string]any) { d["label"] = 5 }), 621},
		{"discount priceDelta missing", withDiscount(func(d map[string]any) { delete(d, "priceDelta") }), 630},
		{"discount priceDelta invalid", withDiscount(func(d map[string]any) { d["priceDelta"] = "-4" }), 631},
		{"discount operation missing", withDiscount(func(d map[string]any) { delete(d, "operation") }), 640},
		{"discount operation invalid", withDiscount(func(d map[string]any) { d["operation"] = "Percent" }), 641},
		{"discount operationValue missing", withDiscount(func(d map[string]any) { delete(d, "operationValue") }), 650},
		{"discount operationValue negative", withDiscount(func(d map[string]any) { d["operationValue"] = -1 }), 651},
		{"discount percent over 100", withDiscount(func(d map[string]any) { d["operationValue"] = 150 }), 651},
		{"metadata not array", mutate(func(o map[string]any) { o["metadata"] = "x" }), 750},
		{"metadata key missing", mutate(func(o map[string]any) { o["metadata"] = []any{map[string]any{"value": "web"}} }), 751},
		{"metadata key empty", mutate(func(o map[string]any) { o["metadata"] = []any{map[string]any{"key": ""}} }), 751},
		{"paymentMethod missing", mutate(func(o map[string]any) { o["payment"] = map[string]any{} }), 710},
		{"unknown product", mutate(func(o map[string]any) { firstLine(o)["productRef"] = 999 }), 1020},
		{"unknown product as string", mutate(func(o map[string]any) { firstLine(o)["productRef"] = "999" }), 1020},
		{"option alone", mutate(func(o map[string]any) { o["orderLines"] = []any{line(733560, 1)} }), 1043},
		{"option with another base", mutate(func(o map[string]any) { o["orderLines"] = []any{line(733558, 1), line(733561, 1)} }), 1043},
		{"payment without IP", mutate(func(o map[string]any) { delete(cust(o), "ipV4") }), 1046},
		{"payment with empty IP", mutate(func(o map[string]any) { cust(o)["ipV4"] = "" }), 1046},
		// Precedence: the first failing check in the create table wins.
		{"130 before 120", mutate(func(o map[string]any) { delete(o, "partnerOrderNumber"); delete(o, "currency") }), 130},
		{"211 before 320", mutate(func(o map[string]any) { firstLine(o)["productRef"] = -1; delete(o, "customer") }), 211},
		{"format before catalog", mutate(func(o map[string]any) { firstLine(o)["productRef"] = 999; cust(o)["email"] = "x" }), 321},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := e.json("POST", "/connect/order/new", tc.body)
			wantCode(t, m, tc.want)
		})
	}
	if n := len(e.s.Orders()); n != 0 {
		t.Fatalf("%d orders created by invalid requests", n)
	}
	if e.s.KeysLeft(733551) != 50 {
		t.Fatalf("invalid requests drew keys: %d left", e.s.KeysLeft(733551))
	}
}

func TestCreateOrderAccepts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name string
		body map[string]any
	}{
		{"sample", sampleOrder("X")},
		{"Z offset", mutate(func(o map[string]any) { o["orderDate"] = "2024-05-01T08:15:00Z" })},
		{"+00:00 offset", mutate(func(o map[string]any) { o["orderDate"] = "2004-02-12T15:19:21+00:00" })},
		{"fractional seconds", mutate(func(o map[string]any) { o["orderDate"] = "2024-05-01T08:15:00.123Z" })},
		{"numeric partnerOrderNumber", mutate(func(o map[string]any) { o["partnerOrderNumber"] = 689 })},
		{"US with province", mutate(func(o map[string]any) { invoice(o)["country"] = "US"; invoice(o)["province"] = "US-NY" })},
		{"BR with province", mutate(func(o map[string]any) { invoice(o)["country"] = "BR"; invoice(o)["province"] = "BR-DF" })},
		{"en_XE language", mutate(func(o map[string]any) { cust(o)["language"] = "en_XE" })},
		{"ipV6 only", mutate(func(o map[string]any) { delete(cust(o), "ipV4"); cust(o)["ipV6"] = "2001:db8::1" })},
		{"no payment no IP", mutate(func(o map[string]any) { delete(o, "payment"); delete(cust(o), "ipV4") })},
		{"null prices", mutate(func(o map[string]any) {
			o["orderLines"] = []any{map[string]any{"productRef": 733551, "quantity": 1, "vatRate": nil, "amountDutyFree": nil, "amountTotal": nil}}
		})},
		{"discount", withDiscount(func(map[string]any) {})},
		{"amount discount", withDiscount(func(d map[string]any) { d["operation"] = "Amount"; d["operationValue"] = 500 })},
		{"null discounts and metadata", mutate(func(o map[string]any) { o["discounts"] = nil; o["metadata"] = nil })},
		{"option with base", mutate(func(o map[string]any) { o["orderLines"] = []any{line(733551, 1), line(733560, 1), line(733561, 2)} })},
		{"unknown fields", mutate(func(o map[string]any) { o["affiliateId"] = "x"; o["extra"] = map[string]any{"a": 1} })},
		{"delivery location", mutate(func(o map[string]any) { cust(o)["locationDelivery"] = invoice(o) })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, set := tc.body["partnerOrderNumber"].(string); set {
				tc.body["partnerOrderNumber"] = "OK-" + tc.name
			}
			e.create(tc.body, 0)
		})
	}
}

func TestCreateOrderRequirePrices(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config) { c.requirePrices = true })
	noPrice := map[string]any{"productRef": 733551, "quantity": 1}
	e.create(sampleOrder("RP-1", noPrice), 1053)
	e.create(sampleOrder("RP-2", map[string]any{"productRef": 733551, "quantity": 1, "amountTotal": 49.99}), 0)
	e.create(sampleOrder("RP-3", map[string]any{"productRef": 733551, "quantity": 1, "amountDutyFree": 41.66}), 0)
}

func TestISOCountryList(t *testing.T) {
	t.Parallel()
	if len(isoCountries) != 249 {
		t.Fatalf("%d ISO 3166-1 codes, want 249", len(isoCountries))
	}
	for _, c := range []string{"FR", "GB", "US", "DE", "SS", "BQ", "AX"} {
		if !isoCountries[c] {
			t.Errorf("%s missing", c)
		}
	}
}

// serveDirect runs one request through the handler without a network.
func serveDirect(s *Server, method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("secret", "test-secret")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// fuzzServer is a fresh seeded fake on a manual clock.
func fuzzServer(t *testing.T) *Server { return seededServer(t, 7) }

// seededServer is a fake with the default catalog on a manual clock, with
// no HTTP server of its own.
func seededServer(t *testing.T, seed int64) *Server {
	t.Helper()
	s := newUnstarted(config{clock: newManualClock(t0), seed: seed})
	if err := s.seedDefaults(); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkEnvelope fails unless rec is HTTP 200 with a JSON object carrying a
// numeric responseCode and a string responseMessage.
func checkEnvelope(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", rec.Code, rec.Body.Bytes())
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, rec.Body.Bytes())
	}
	if _, ok := m["responseCode"].(float64); !ok {
		t.Fatalf("no numeric responseCode: %s", rec.Body.Bytes())
	}
	if _, ok := m["responseMessage"].(string); !ok {
		t.Fatalf("no responseMessage: %s", rec.Body.Bytes())
	}
	return m
}

func FuzzCreateOrderBody(f *testing.F) {
	for _, o := range []map[string]any{
		sampleOrder("PARTNER689"),
		sampleOrder("F-2", map[string]any{"productRef": "733551", "quantity": "2"}, line(733559, 1), line(733560, 1)),
		withDiscount(func(map[string]any) {}),
		mutate(func(o map[string]any) { invoice(o)["country"] = "US"; invoice(o)["province"] = "US-NY" }),
	} {
		b, _ := json.Marshal(o)
		f.Add(b)
	}
	for _, s := range []string{"", "{", "null", "[]", `{"orderLines":[null]}`, `{"customer":"x"}`, `{"partnerOrderNumber":1e400}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s := fuzzServer(t)
		m := checkEnvelope(t, serveDirect(s, "POST", "/connect/order/new", body))
		if m["responseCode"].(float64) != 0 {
			if n := len(s.Orders()); n != 0 {
				t.Fatalf("refused create left %d orders", n)
			}
			return
		}
		pon, _ := m["partnerOrderNumber"].(string)
		g := checkEnvelope(t, serveDirect(s, "GET", "/connect/order/"+pathEscape(pon), nil))
		if g["responseCode"].(float64) != 0 {
			t.Fatalf("created %q but get answers %v", pon, g)
		}
	})
}
