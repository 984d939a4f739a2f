package fulfillment

import (
	"errors"
	"strings"
	"testing"
)

// The test vector published with Nexway's signing scheme: the canonical
// input and the signature for the secret s3cret.
const (
	vectorInput     = `{"$.checkout.orderId":"ORD-42","$.product.publisherProductId":"PRD-9","$.product.quantity":"3"}`
	vectorSignature = "a66ccb600993e538aa50cc7b612785b8919bae518242dbd96c8fde8e4558cc9b"
)

func vectorSigner(t *testing.T) *Signer {
	t.Helper()
	// Out of order and repeated, as a user might list them: Nexway sorts
	// and de-duplicates the fields it stores.
	s, err := NewSigner("s3cret", "$.product.quantity", "$.checkout.orderId", "$.product.publisherProductId", "$.checkout.orderId")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignerPublishedVector(t *testing.T) {
	t.Parallel()
	s := vectorSigner(t)
	body := []byte(`{"fulfillmentId":"f-1","checkout":{"orderId":"ORD-42","lineItemId":"l"},
		"product":{"publisherProductId":"PRD-9","quantity":3.0,"name":"x"}}`)
	in, err := s.Canonical(body)
	if err != nil {
		t.Fatal(err)
	}
	if string(in) != vectorInput {
		t.Fatalf("canonical input\n got %s\nwant %s", in, vectorInput)
	}
	sig, err := s.Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	if sig != vectorSignature {
		t.Fatalf("signature %s, want %s", sig, vectorSignature)
	}
	if err := s.Verify(body, strings.ToUpper(sig)); err != nil {
		t.Fatalf("Verify(upper-case hex) = %v", err)
	}
}

func TestSignerVerifyRefuses(t *testing.T) {
	t.Parallel()
	s := vectorSigner(t)
	body := []byte(`{"checkout":{"orderId":"ORD-42"},"product":{"publisherProductId":"PRD-9","quantity":3}}`)
	tampered := []byte(`{"checkout":{"orderId":"ORD-43"},"product":{"publisherProductId":"PRD-9","quantity":3}}`)
	other, _ := NewSigner("other", "$.checkout.orderId", "$.product.publisherProductId", "$.product.quantity")
	wrongKey, _ := other.Sign(body)
	for name, tc := range map[string]struct {
		body []byte
		sig  string
	}{
		"missing":       {body, ""},
		"not hex":       {body, strings.Repeat("z", 64)},
		"short":         {body, vectorSignature[:62]},
		"tampered body": {tampered, vectorSignature},
		"wrong secret":  {body, wrongKey},
	} {
		if err := s.Verify(tc.body, tc.sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: Verify = %v, want ErrBadSignature", name, err)
		}
	}
	if err := s.Verify(body, vectorSignature); err != nil {
		t.Fatalf("Verify(good) = %v", err)
	}
}

func TestCanonicalValues(t *testing.T) {
	t.Parallel()
	s, err := NewSigner("k", "$.a", "$.b", "$.c", "$.d", "$.e", "$.f", "$.g", "$.h", "$.i", "$['j k']", "$.l[1].m", "$.n")
	if err != nil {
		t.Fatal(err)
	}
	body := `{"a":"x <&> \"é\"","b":1.50,"c":-0.0,"d":1e2,"e":15e-4,"f":true,"g":null,"i":12345678901234567890,
		"j k":"sp","l":[{"m":"no"},{"m":false}],"n":"\u2028"}`
	in, err := s.Canonical([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"$.a":"x <&> \"é\"","$.b":"1.5","$.c":"0","$.d":"100","$.e":"0.0015","$.f":"true","$.g":"","$.h":"",` +
		`"$.i":"12345678901234567890","$.l[1].m":"false","$.n":"\u2028","$['j k']":"sp"}`
	if string(in) != want {
		t.Fatalf("canonical input\n got %s\nwant %s", in, want)
	}
}

// Go's json.Marshal escapes <, > and &; Nexway's docs do not say whether
// its signed input does, so Verify accepts both spellings.
func TestVerifyAcceptsHTMLEscapedInput(t *testing.T) {
	t.Parallel()
	s, _ := NewSigner("k", "$.a")
	body := []byte(`{"a":"R&D <x>"}`)
	escaped := hexMAC(s, `{"$.a":"R\u0026D \u003cx\u003e"}`)
	if err := s.Verify(body, escaped); err != nil {
		t.Fatalf("Verify(HTML-escaped input) = %v", err)
	}
	if err := s.Verify(body, hexMAC(s, `{"$.a":"R&D <x>"}`)); err != nil {
		t.Fatalf("Verify(raw input) = %v", err)
	}
}

func TestSignerRefusesUnsignable(t *testing.T) {
	t.Parallel()
	s, _ := NewSigner("k", "$.a")
	for _, body := range []string{`{"a":{"b":1}}`, `{"a":[1]}`, `{`, `{"a":1} {}`, ``} {
		if _, err := s.Sign([]byte(body)); err == nil {
			t.Errorf("Sign(%s) succeeded", body)
		}
	}
	for _, tc := range []struct {
		secret string
		fields []string
	}{{"", []string{"$.a"}}, {"k", nil}, {"k", []string{"a"}}, {"k", []string{"$.a[x]"}}, {"k", []string{"$..a"}}, {"k", []string{"$.a[*]"}}, {"k", []string{"$.a["}}} {
		if _, err := NewSigner(tc.secret, tc.fields...); err == nil {
			t.Errorf("NewSigner(%q, %q) succeeded", tc.secret, tc.fields)
		}
	}
}
