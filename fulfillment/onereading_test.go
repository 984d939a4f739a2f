package fulfillment_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/nexway-go/nexway/fulfillment"
)

// signedFields are the fields a signer covers in these tests: the README's
// configuration and the published vector's.
var signedFields = []string{"$.fulfillmentId", "$.checkout.orderId", "$.product.publisherProductId"}

// signedHandler is a handler that requires the signature over signedFields.
func signedHandler(t *testing.T, rec *recorder, opts ...fulfillment.Option) (*fulfillment.Handler, *fulfillment.Signer) {
	t.Helper()
	s, err := fulfillment.NewSigner("s3cret", signedFields...)
	if err != nil {
		t.Fatal(err)
	}
	return newHandler(t, rec, new(fulfillment.MemoryStore), append([]fulfillment.Option{fulfillment.WithSignature(s)}, opts...)...), s
}

// An attacker holding one signed request adds, after a signed member, one
// that another reader would take instead. Every such body is refused
// before the Fulfiller runs, so that no signature obtains a key for a unit
// or a product it does not cover.
func TestAmbiguousBodyRefused(t *testing.T) {
	t.Parallel()
	good := bodyFor("unit-A")
	for name, edit := range map[string][2]string{
		"case variant of the id":        {`"fulfillmentId":"unit-A"`, `"fulfillmentId":"unit-A","FulfillmentId":"unit-B"`},
		"case variant before the id":    {`"fulfillmentId":"unit-A"`, `"FULFILLMENTID":"unit-B","fulfillmentId":"unit-A"`},
		"duplicate id":                  {`"fulfillmentId":"unit-A"`, `"fulfillmentId":"unit-A","fulfillmentId":"unit-B"`},
		"kelvin sign":                   {`"checkout":{`, `"chec\u212aout":{"orderId":"ORD-9"},"checkout":{`},
		"long s":                        {`"user":{`, `"u\u017fer":{},"user":{`},
		"escaped case variant":          {`"fulfillmentId":"unit-A"`, `"fulfillmentId":"unit-A","fulfillment\u0049D":"unit-B"`},
		"nested case variant":           {`"publisherProductId":"SKU-1"`, `"publisherProductId":"SKU-1","publisherProductID":"SKU-GOLD"`},
		"nested duplicate":              {`"orderId":"ORD-1"`, `"orderId":"ORD-1","orderId":"ORD-2"`},
		"unsigned field by case only":   {`"lineItemId":"L-1"`, `"LineItemId":"L-9"`},
		"deep duplicate":                {`"product":{`, `"product":{"variables":{"a":"1","A":"2"},`},
		"trailing second object":        {`}` + "\x00", `}{"fulfillmentId":"unit-B"}`},
		"top-level array":               {``, ``},
		"byte order mark":               {``, ``},
		"data after the value":          {``, ``},
		"invalid escape in a name":      {`"checkout":{`, `"che\ckout":{},"checkout":{`},
		"lone surrogate in a signed id": {`"fulfillmentId":"unit-A"`, `"fulfillmentId":"unit-A\ud800"`},
	} {
		body := good + "\x00" // marks the end, for the edits that append
		switch name {
		case "top-level array":
			body = "[" + good + "]"
		case "byte order mark":
			body = "\ufeff" + good
		case "data after the value":
			body = good + ` true`
		default:
			if !strings.Contains(body, edit[0]) {
				t.Fatalf("%s: %q not in the body", name, edit[0])
			}
			body = strings.Replace(body, edit[0], edit[1], 1)
			body = strings.TrimSuffix(body, "\x00")
		}
		rec := &recorder{}
		h, s := signedHandler(t, rec)
		sig, _ := s.Sign([]byte(good)) // the signature the attacker holds
		w := post(h, "/licenses/new", body, fulfillment.DefaultSignatureHeader, sig)
		if w.Code != http.StatusBadRequest && w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 400 or 403", name, w.Code)
		}
		if rec.calls.Load() != 0 {
			t.Errorf("%s: the Fulfiller ran, for %q", name, rec.reqs[0].FulfillmentID)
		}
	}
}

// A handler built for a custom template refuses a member that encoding/json
// would match to a field of T only by case.
func TestCustomBodyAmbiguousRefused(t *testing.T) {
	t.Parallel()
	type license struct {
		LicenseID string `json:"licenseId"`
		SKU       string `json:"sku"`
		Nested    struct {
			Plan string `json:"plan"`
		} `json:"nested"`
	}
	s, err := fulfillment.NewSigner("s3cret", "$.licenseId", "$.sku", "$.nested.plan")
	if err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string]int{
		`{"licenseId":"L-1","sku":"BASIC","nested":{"plan":"a"}}`: 200,
		`{"licenseId":"L-1","SKU":"GOLD","nested":{"plan":"a"}}`:  400,
		`{"licenseId":"L-1","sku":"BASIC","nested":{"Plan":"b"}}`: 400,
		`{"licenseId":"L-1","sku":"BASIC","Sku":"GOLD"}`:          400,
		`{"LicenseId":"L-1","sku":"BASIC"}`:                       400,
	} {
		rec := &recorder{}
		h := newHandler(t, rec, new(fulfillment.MemoryStore), fulfillment.WithSignature(s), fulfillment.WithCustomBody[license]("$.licenseId"))
		sig, err := s.Sign([]byte(body))
		if err != nil { // unsignable: the attacker replays the signature of the honest body
			sig, _ = s.Sign([]byte(`{"licenseId":"L-1","sku":"BASIC","nested":{"plan":"a"}}`))
		}
		w := post(h, "/licenses/new", body, fulfillment.DefaultSignatureHeader, sig)
		if w.Code != want && (want == 200 || w.Code != 403) {
			t.Errorf("%s: status %d (%s), want %d", body, w.Code, strings.TrimSpace(w.Body.String()), want)
		}
		if want == 200 {
			if got := rec.reqs[0].Custom.(*license); got.SKU != "BASIC" || got.Nested.Plan != "a" {
				t.Errorf("%s: Fulfiller got %+v", body, got)
			}
		} else if rec.calls.Load() != 0 {
			t.Errorf("%s: the Fulfiller ran", body)
		}
	}
}

// The Fulfiller gets the values the signature covers: a body that is
// accepted hands over exactly its signed values.
func TestFulfillerGetsSignedValues(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h, s := signedHandler(t, rec)
	body := `{"fulfillment\u0049d":"unit-\u00e9","checkout":{"orderId":"ORD-\u0031","price":{"grossPrice":1e2,"currency":"EUR"}},"product":{"publisherProductId":"SKU-1"}}`
	sig, err := s.Sign([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	answer(t, post(h, "/licenses/new", body, fulfillment.DefaultSignatureHeader, sig))
	b := rec.reqs[0].Body
	if b.FulfillmentID != "unit-é" || b.Checkout.OrderID != "ORD-1" || b.Product.PublisherProductID != "SKU-1" || b.Checkout.Price.GrossPrice != "1e2" {
		t.Fatalf("Fulfiller got %+v", b)
	}
}

// Bytes are what they are: a body that is not UTF-8, or whose escapes
// make lone surrogates, is refused; before, "\xff" and "\xfe" both became
// U+FFFD, and two units shared one key.
func TestNotUTF8Refused(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"f-\xff", "f-\xfe", `f-\ud800`, `f-\udbff`, `f-\udc00`, "f-\xed\xa0\x80", "f-\xc0\xaf"} {
		rec := &recorder{}
		h := newHandler(t, rec, new(fulfillment.MemoryStore))
		body := strings.Replace(bodyFor("ID"), `"ID"`, `"`+id+`"`, 1)
		if w := post(h, "/licenses/new", body); w.Code != http.StatusBadRequest || rec.calls.Load() != 0 {
			t.Errorf("id %q: status %d, %d calls; want 400 and none", id, w.Code, rec.calls.Load())
		}
		// Invalid bytes anywhere, not only in an id.
		body = strings.Replace(bodyFor("ok-id"), `"name":"P"`, `"name":"P`+id+`"`, 1)
		if w := post(h, "/licenses/new", body); w.Code != http.StatusBadRequest || rec.calls.Load() != 0 {
			t.Errorf("product name with %q: status %d, want 400", id, w.Code)
		}
	}
}

// Ids are validated before a unit is keyed: refused, never trimmed or
// folded.
func TestIDValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", fulfillment.MaxIDLength+1)
	for _, id := range []string{``, ` `, ` f-1`, `f-1 `, `f-1\t`, `\tf-1`, `f-1\n`, `f\u0000x`, `f\u001fx`, `f\u007fx`, `f\u0085x`,
		`f\u009fx`, `\u200bf`, `f\u200b`, `f\u200dx`, `\ufefff`, `f\u202ex`, `f\u2066x`, `f\u00adx`, `f\u2028x`, `f\ue000x`,
		`f\ufffdx`, `\u00a0f`, `f\u3000`, long, `null`} {
		rec := &recorder{}
		h := newHandler(t, rec, new(fulfillment.MemoryStore))
		body := strings.Replace(bodyFor("ID"), `"ID"`, `"`+id+`"`, 1)
		if id == "null" {
			body = strings.Replace(bodyFor("ID"), `"ID"`, `null`, 1)
		}
		if w := post(h, "/licenses/new", body); w.Code != http.StatusBadRequest || rec.calls.Load() != 0 {
			t.Errorf("id %q: status %d, %d calls; want 400 and none", id, w.Code, rec.calls.Load())
		}
	}
	// A renewal's order id keys it, and is checked the same way.
	for _, order := range []string{``, ` ORD-1`, `ORD-1 `, `ORD\u0000`, `ORD\u200b`} {
		rec := &recorder{}
		h := newHandler(t, rec, new(fulfillment.MemoryStore))
		body := strings.Replace(bodyFor("f-1"), `"ORD-1"`, `"`+order+`"`, 1)
		if w := post(h, "/licenses/renew", body); w.Code != http.StatusBadRequest || rec.calls.Load() != 0 {
			t.Errorf("renewal order id %q: status %d, want 400", order, w.Code)
		}
	}
	// The bound itself is accepted, and custom ids are checked too.
	rec := &recorder{}
	h := newHandler(t, rec, new(fulfillment.MemoryStore))
	answer(t, post(h, "/licenses/new", bodyFor(long[1:])))
	custom := newHandler(t, rec, new(fulfillment.MemoryStore), fulfillment.WithCustomBody[map[string]any]("$.licenseId"))
	for _, body := range []string{`{"licenseId":" x"}`, `{"licenseId":"x\u0000"}`, `{"licenseId":"\u200b"}`} {
		if w := post(custom, "/licenses/new", body); w.Code != http.StatusBadRequest {
			t.Errorf("custom %s: status %d, want 400", body, w.Code)
		}
	}
}

// Two ids that differ in any byte are two units, each with its own key:
// case, Unicode normalisation form, inner spaces.
func TestDistinctIDsAreDistinctUnits(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := newHandler(t, rec, new(fulfillment.MemoryStore))
	ids := []string{"unit-a", "UNIT-A", "Unit-a", "caf\u00e9", "cafe\u0301", "unit a", "unit  a", "\u212a", "K", "k", "ſ", "s"}
	keys := map[string]string{}
	for _, id := range ids {
		key := answer(t, post(h, "/licenses/new", bodyFor(id)))["activationCode"].(string)
		if other, ok := keys[key]; ok {
			t.Errorf("ids %q and %q share key %q", other, id, key)
		}
		keys[key] = id
	}
	if rec.calls.Load() != int64(len(ids)) {
		t.Errorf("%d calls for %d ids", rec.calls.Load(), len(ids))
	}
}

// Each generation of a subscription gets exactly one key: renewals of one
// license are told apart by their order id, and a retry of one renewal
// replays its answer.
func TestRenewalGenerations(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := newHandler(t, rec, new(fulfillment.MemoryStore))
	renewal := func(order string) string { return strings.Replace(bodyFor("lic-1"), `"ORD-1"`, `"`+order+`"`, 1) }
	first := answer(t, post(h, "/licenses/new", bodyFor("lic-1")))["activationCode"]
	gen1 := answer(t, post(h, "/licenses/renew", renewal("ORD-2")))["activationCode"]
	gen2 := answer(t, post(h, "/licenses/renew", renewal("ORD-3")))["activationCode"]
	if first == gen1 || gen1 == gen2 || first == gen2 {
		t.Fatalf("keys %v, %v, %v: want three", first, gen1, gen2)
	}
	for order, want := range map[string]any{"ORD-2": gen1, "ORD-3": gen2} {
		if got := answer(t, post(h, "/licenses/renew", renewal(order)))["activationCode"]; got != want {
			t.Errorf("retry of renewal %s answered %v, want %v", order, got, want)
		}
	}
	if rec.calls.Load() != 3 {
		t.Errorf("%d calls, want 3", rec.calls.Load())
	}
	if g := rec.reqs[1].Generation; g != "ORD-2" {
		t.Errorf("Request.Generation = %q, want the order id", g)
	}
	if g := rec.reqs[0].Generation; g != "" {
		t.Errorf("a create's Generation = %q, want empty", g)
	}
	// A create is keyed by its license alone, whatever the order id.
	if got := answer(t, post(h, "/licenses/new", renewal("ORD-7")))["activationCode"]; got != first {
		t.Errorf("create with another order id answered %v, want the recorded %v", got, first)
	}
}

// The storefront's cart context is read as strictly as the body: one
// reading, numbers as written.
func TestCartContextStrict(t *testing.T) {
	t.Parallel()
	for ctx, ok := range map[string]bool{
		`{"merchant_reference":"wc_order_1","n":12345678901234567890}`: true,
		`{"merchant_reference":"a","merchant_reference":"b"}`:          false,
		`{"merchant_reference":"a","Merchant_Reference":"b"}`:          false,
		"{\"merchant_reference\":\"\xff\"}":                            false,
		`{"merchant_reference":"\udc00"}`:                              false,
		`{"a":1} {}`:                                                   false,
		`["a"]`:                                                        false,
	} {
		c := fulfillment.Checkout{CartExternalContext: base64.RawURLEncoding.EncodeToString([]byte(ctx))}
		m, err := c.CartContext()
		if (err == nil) != ok {
			t.Errorf("CartContext(%s) = %v, %v; want ok=%v", ctx, m, err, ok)
		}
		if ok && (m["merchant_reference"] != "wc_order_1" || m["n"] != json.Number("12345678901234567890")) {
			t.Errorf("CartContext(%s) = %#v", ctx, m)
		}
	}
}

// Hostile shapes are refused without a panic or a deep recursion: a
// nesting bomb the size of the body cap, and numbers that two readers
// would round differently reach the Fulfiller as written.
func TestHostileBodies(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := newHandler(t, rec, new(fulfillment.MemoryStore))
	bomb := `{"fulfillmentId":"x","product":` + strings.Repeat(`{"a":`, 150_000) + `1` + strings.Repeat(`}`, 150_000) + `}`
	for _, body := range []string{bomb, `{"fulfillmentId":"x","a":` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}`} {
		if w := post(h, "/licenses/new", body); w.Code != http.StatusBadRequest || rec.calls.Load() != 0 {
			t.Errorf("a body nested %d deep: status %d, want 400", strings.Count(body, "{")+strings.Count(body, "["), w.Code)
		}
	}
	for _, n := range []string{"1e2", "100", "1.0", "-0", "123456789012345678901234567890", "1E+2"} {
		body := strings.Replace(bodyFor("num-"+n), `"grossPrice":10`, `"grossPrice":`+n, 1)
		answer(t, post(h, "/licenses/new", body))
		if got := rec.reqs[len(rec.reqs)-1].Body.Checkout.Price.GrossPrice; string(got) != n {
			t.Errorf("grossPrice %s reached the Fulfiller as %s", n, got)
		}
	}
}

// A custom type that decodes a number into a float64 (or into an any,
// where encoding/json makes float64s) must not get a rounded value while
// the signature covered the digits: such a body is refused.
func TestCustomBodyRoundedNumberRefused(t *testing.T) {
	t.Parallel()
	type order struct {
		LicenseID string  `json:"licenseId"`
		Amount    float64 `json:"amount"`
		Extra     any     `json:"extra"`
	}
	for body, want := range map[string]int{
		`{"licenseId":"L","amount":29.99,"extra":{"ts":1733580000000}}`: 200,
		`{"licenseId":"L","amount":-0,"extra":[1e2,1.50]}`:              200,
		`{"licenseId":"L","amount":12345678901234567890123}`:            400,
		`{"licenseId":"L","amount":0.1000000000000000000001}`:           400,
		`{"licenseId":"L","extra":{"id":12345678901234567890123}}`:      400,
		`{"licenseId":"L","extra":[9007199254740993]}`:                  400,
	} {
		rec := &recorder{}
		h := newHandler(t, rec, new(fulfillment.MemoryStore), fulfillment.WithCustomBody[order]("$.licenseId"))
		if w := post(h, "/licenses/new", body); w.Code != want {
			t.Errorf("%s: status %d (%s), want %d", body, w.Code, strings.TrimSpace(w.Body.String()), want)
		}
	}
	// map[string]any holds float64s too.
	rec := &recorder{}
	h := newHandler(t, rec, new(fulfillment.MemoryStore), fulfillment.WithCustomBody[map[string]any]("$.licenseId"))
	if w := post(h, "/licenses/new", `{"licenseId":"L","n":9007199254740993}`); w.Code != http.StatusBadRequest {
		t.Errorf("map[string]any with a rounded number: status %d, want 400", w.Code)
	}
}

// A custom template names where a renewal's generation is; without it,
// renewals are keyed by the id alone.
func TestCustomGenerationPath(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := newHandler(t, rec, new(fulfillment.MemoryStore), fulfillment.WithGenerationPath("$.renewal.order"),
		fulfillment.WithCustomBody[map[string]any]("$.licenseId"))
	k1 := answer(t, post(h, "/licenses/renew", `{"licenseId":"L","renewal":{"order":"O-1"}}`))["activationCode"]
	k2 := answer(t, post(h, "/licenses/renew", `{"licenseId":"L","renewal":{"order":1002}}`))["activationCode"]
	again := answer(t, post(h, "/licenses/renew", `{"licenseId":"L","renewal":{"order":"O-1"}}`))["activationCode"]
	if k1 == k2 || again != k1 || rec.calls.Load() != 2 {
		t.Fatalf("keys %v, %v, retry %v, %d calls", k1, k2, again, rec.calls.Load())
	}
	if g := rec.reqs[1].Generation; g != "1002" {
		t.Errorf("Generation = %q", g)
	}
	for _, body := range []string{`{"licenseId":"L"}`, `{"licenseId":"L","renewal":{"order":" O-1"}}`} {
		if w := post(h, "/licenses/renew", body); w.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", body, w.Code)
		}
	}
	// A create needs no generation.
	answer(t, post(h, "/licenses/new", `{"licenseId":"L"}`))

	plain := newHandler(t, &recorder{}, new(fulfillment.MemoryStore), fulfillment.WithCustomBody[map[string]any]("$.licenseId"))
	a := answer(t, post(plain, "/licenses/renew", `{"licenseId":"M","checkout":{"orderId":"1"}}`))
	b := answer(t, post(plain, "/licenses/renew", `{"licenseId":"M","checkout":{"orderId":"2"}}`))
	if a["activationCode"] != b["activationCode"] {
		t.Error("a custom template without a generation path keyed renewals by the default template's order id")
	}
	if _, err := fulfillment.NewHandler(&recorder{}, new(fulfillment.MemoryStore), fulfillment.WithoutAuth(), fulfillment.WithGenerationPath("renewal")); err == nil {
		t.Error("WithGenerationPath accepted a path without $")
	}
}
