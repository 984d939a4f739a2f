package nexwaytest

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/nexway-go/nexway/internal/strictjson"
)

// The test vector Nexway publishes with its signing scheme
// (https://apidoc.nexway.store/docs/guides/fulfillment-templating).
func TestSignBodyPublishedVector(t *testing.T) {
	t.Parallel()
	body := []byte(`{"fulfillmentId":"f-1","checkout":{"orderId":"ORD-42","lineItemId":"l"},
		"product":{"publisherProductId":"PRD-9","quantity":3.0,"name":"x"}}`)
	fields := []string{"$.product.quantity", "$.checkout.orderId", "$.product['publisherProductId']", "$.checkout.orderId"}
	in, err := signedInput(fields, body)
	if err != nil {
		t.Fatal(err)
	}
	// The bracketed spelling is a field of its own name: sorted first.
	const want = `{"$.checkout.orderId":"ORD-42","$.product.quantity":"3","$.product['publisherProductId']":"PRD-9"}`
	if string(in) != want {
		t.Fatalf("signed input\n got %s\nwant %s", in, want)
	}
	sig, err := signBody("s3cret", []string{"$.product.quantity", "$.checkout.orderId", "$.product.publisherProductId"}, body)
	if err != nil {
		t.Fatal(err)
	}
	if sig != "a66ccb600993e538aa50cc7b612785b8919bae518242dbd96c8fde8e4558cc9b" {
		t.Fatalf("signature %s", sig)
	}
}

func TestSignedInputValues(t *testing.T) {
	t.Parallel()
	body := []byte(`{"a":"x<&>","n":1.50,"z":-0,"big":1e21,"t":true,"nil":null,"list":[{"k":7}],"obj":{}}`)
	in, err := signedInput([]string{"$.a", "$.n", "$.z", "$.big", "$.t", "$.nil", "$.missing", "$.list[0].k", "$.list[3]", "$.a.deeper"}, body)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"$.a":"x<&>","$.a.deeper":"","$.big":"1000000000000000000000","$.list[0].k":"7","$.list[3]":"","$.missing":"",` +
		`"$.n":"1.5","$.nil":"","$.t":"true","$.z":"0"}`
	if string(in) != want {
		t.Fatalf("signed input\n got %s\nwant %s", in, want)
	}
	for _, f := range []string{"$.obj", "$.list"} {
		if _, err := signedInput([]string{f}, body); err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("%s: err %v, want one naming the field", f, err)
		}
	}
	if _, err := signedInput([]string{"$.a"}, []byte(`{`)); err == nil {
		t.Error("a body that is not JSON was signed")
	}
}

func TestParseFieldRefuses(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"", "a.b", "$.", "$..a", "$['a'", "$[", "$[]", "$[-1]", "$[+1]", "$[x]", "$a", "$.a[0"} {
		if _, err := parseField(f); err == nil {
			t.Errorf("parseField(%q) succeeded", f)
		}
	}
}

// A signed request carries the signature in the configured header, and
// SetPublisher refuses a signing set-up that would fail every call.
func TestHTTPPublisherSigns(t *testing.T) {
	t.Parallel()
	p := &scripted{steps: []step{{status: 200, body: `{"activationCode":"K"}`}}}
	hp := HTTPPublisher{BaseURL: "http://publisher.test", Client: &http.Client{Transport: p},
		SigningSecret: "s3cret", SignedFields: []string{"$.fulfillmentId", "$.checkout.price.grossPrice"}}
	if _, err := hp.Issue(context.Background(), LicenseRequest{FulfillmentID: "f-1", GrossPrice: 9.5}); err != nil {
		t.Fatal(err)
	}
	hp.SignatureHeader = "X-Signature"
	hp.SigningSecret = "other"
	if _, err := hp.Issue(context.Background(), LicenseRequest{FulfillmentID: "f-1", GrossPrice: 9.5}); err != nil {
		t.Fatal(err)
	}
	hex := regexp.MustCompile(`^[0-9a-f]{64}$`)
	first, second := p.calls[0].header.Get(DefaultSignatureHeader), p.calls[1].header.Get("X-Signature")
	if !hex.MatchString(first) || !hex.MatchString(second) || first == second || p.calls[1].header.Get(DefaultSignatureHeader) != "" {
		t.Fatalf("signatures %q then %q, headers %v", first, second, p.calls[1].header)
	}

	s := seededServer(t, 1)
	defer s.Close()
	const base = "https://publisher.test"
	for _, tc := range []struct {
		pub  HTTPPublisher
		want string // in the error
	}{
		{HTTPPublisher{BaseURL: "publisher.test/fulfil"}, "BaseURL"},
		{HTTPPublisher{BaseURL: "https://user:pw@publisher.test"}, "credentials"},
		{HTTPPublisher{BaseURL: base, SigningSecret: "k"}, "SignedFields is empty"},
		{HTTPPublisher{BaseURL: base, SignedFields: []string{"$.fulfillmentId"}}, "SigningSecret is empty"},
		{HTTPPublisher{BaseURL: base, SigningSecret: "k", SignedFields: []string{"fulfillmentId"}}, `SignedFields: signed field "fulfillmentId"`},
		{HTTPPublisher{BaseURL: base, SignatureHeader: "X Sig"}, "SignatureHeader"},
		{HTTPPublisher{BaseURL: base, Backoff: -1}, "Backoff"},
	} {
		err := s.SetPublisher(733552, tc.pub)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "pw") {
			t.Errorf("SetPublisher(%+v) = %v, want an error with %q", tc.pub, err, tc.want)
		}
		if _, err := tc.pub.Issue(context.Background(), LicenseRequest{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Issue with %+v = %v, want an error with %q", tc.pub, err, tc.want)
		}
	}
	if err := s.SetPublisher(733552, (*HTTPPublisher)(nil)); err == nil {
		t.Error("SetPublisher took a nil *HTTPPublisher")
	}
}

// The fake's signer refuses a body that two readers could read
// differently, as a strict publisher refuses it: no signature is made.
func TestSignBodyRefusesAmbiguous(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"fulfillmentId":"a","FulfillmentId":"b"}`, `{"a":1,"a":2}`, `{"x":{"k":1,"\u212a":2}}`,
		"{\"a\":\"\xff\"}", `{"a":"\ud800"}`, `{"a":1} {}`, "\ufeff{}",
	} {
		if sig, err := signBody("s3cret", []string{"$.fulfillmentId"}, []byte(body)); err == nil {
			t.Errorf("signed %q: %s", body, sig)
		}
		if _, err := (HTTPPublisher{BaseURL: "http://x.test"}).request(context.Background(), "/licenses/new", []byte(body)); err == nil {
			t.Errorf("would send %q", body)
		}
	}
}

// Whatever the body, the fake's signer refuses it or signs what a strict
// reader reads: an ambiguous body never gets a signature.
func FuzzSignBody(f *testing.F) {
	for _, s := range []string{`{"fulfillmentId":"a"}`, `{"fulfillmentId":"a","FulfillmentId":"b"}`, `{"a":"\ud800"}`,
		"{\"a\":\"\xff\"}", `{"a":1}{}`, `{"x":{"k":1,"K":2}}`, `{"n":1e2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sig, err := signBody("k", []string{"$.fulfillmentId", "$.n", "$.x.k"}, body)
		_, perr := strictjson.Parse(body)
		if err == nil && perr != nil {
			t.Fatalf("signed %q (%s), which reads more than one way: %v", body, sig, perr)
		}
		if err == nil && (len(sig) != 64 || strings.ToLower(sig) != sig) {
			t.Fatalf("signature %q", sig)
		}
	})
}
