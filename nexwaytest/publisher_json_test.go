package nexwaytest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestHTTPPublisherJSON(t *testing.T) {
	const in = `{"baseURL":"https://publisher.test/v1","username":"nexway","password":"pw","signingSecret":"k",
		"signedFields":["$.fulfillmentId"],"signatureHeader":"X-Sig","retries":3,"backoff":"250ms","maxBackoff":"2s"}`
	var p HTTPPublisher
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatal(err)
	}
	want := HTTPPublisher{BaseURL: "https://publisher.test/v1", Username: "nexway", Password: "pw", SigningSecret: "k",
		SignedFields: []string{"$.fulfillmentId"}, SignatureHeader: "X-Sig", Retries: 3,
		Backoff: 250 * time.Millisecond, MaxBackoff: 2 * time.Second}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("read %+v, want %+v", p, want)
	}
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	const written = `{"baseURL":"https://publisher.test/v1","username":"nexway","signedFields":["$.fulfillmentId"],` +
		`"signatureHeader":"X-Sig","retries":3,"backoff":"250ms","maxBackoff":"2s"}`
	if string(out) != written {
		t.Fatalf("wrote %s, want %s (no secret)", out, written)
	}
	for bad, field := range map[string]string{
		`{"baseURL":"x","backoff":"soon"}`:   "backoff",
		`{"baseURL":"x","maxBackoff":12}`:    "maxBackoff",
		`{"baseURL":"x","signingKey":"k"}`:   "signingKey",
		`{"baseURL":"x","retries":"three"}`:  "retries",
		`{"baseURL":"x","signedFields":"$"}`: "signedFields",
	} {
		if err := json.Unmarshal([]byte(bad), new(HTTPPublisher)); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v, want an error naming %s", bad, err, field)
		}
	}
}

// Whatever the input, decoding an HTTPPublisher fails cleanly or gives one
// that is written and read back the same, less its secrets.
func FuzzHTTPPublisherJSON(f *testing.F) {
	for _, s := range []string{
		`{"baseURL":"https://p.test","username":"u","password":"p","signingSecret":"k","signedFields":["$.a"],"retries":-1,"backoff":"1h","maxBackoff":"0s"}`,
		`{}`, `null`, `{"backoff":"-9223372036854775808ns"}`, `{"signedFields":null}`, `{"retries":1e3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p HTTPPublisher
		if err := json.Unmarshal(b, &p); err != nil {
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("decoded %+v but cannot write it: %v", p, err)
		}
		var back HTTPPublisher
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s does not read back: %v", out, err)
		}
		p.Password, p.SigningSecret = "", ""
		if len(p.SignedFields) == 0 {
			p.SignedFields = nil // written as absent
		}
		if !reflect.DeepEqual(back, p) {
			t.Fatalf("%s read back as %+v; want %+v", out, back, p)
		}
	})
}
