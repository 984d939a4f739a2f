package fulfillment_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nexway-go/nexway/fulfillment"
)

// zeros is an endless body of zero bytes that counts what was read.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.n += int64(len(p))
	return len(p), nil
}

// Every bad request gets its status and never reaches the Fulfiller.
func TestHandlerBadInput(t *testing.T) {
	t.Parallel()
	signer, err := fulfillment.NewSigner("s3cret", "$.fulfillmentId", "$.checkout.orderId")
	if err != nil {
		t.Fatal(err)
	}
	good := bodyFor("bad-1")
	goodSig, _ := signer.Sign([]byte(good))
	hundredMB := int64(100 << 20)

	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   io.Reader
		length int64 // Content-Length; -1 for chunked
		hdr    func(*http.Request)
		want   int
	}{
		{name: "wrong password", hdr: func(r *http.Request) { r.SetBasicAuth(testUser, "nope") }, want: 401},
		{name: "wrong user", hdr: func(r *http.Request) { r.SetBasicAuth("someone", testPassword) }, want: 401},
		{name: "no credentials", hdr: func(r *http.Request) { r.Header.Del("Authorization") }, want: 401},
		{name: "bearer instead of basic", hdr: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testPassword) }, want: 401},
		{name: "malformed basic", hdr: func(r *http.Request) { r.Header.Set("Authorization", "Basic %%%") }, want: 401},
		{name: "missing signature", hdr: func(r *http.Request) { r.Header.Del(fulfillment.DefaultSignatureHeader) }, want: 403},
		{name: "wrong signature", hdr: func(r *http.Request) {
			r.Header.Set(fulfillment.DefaultSignatureHeader, strings.Repeat("ab", 32))
		}, want: 403},
		{name: "signature of another body", body: strings.NewReader(bodyFor("bad-2")), want: 403},
		{name: "100 MB body, declared", body: &zeros{}, length: hundredMB, want: 413},
		{name: "100 MB body, chunked", body: &zeros{}, length: -1, want: 413},
		{name: "malformed JSON", body: strings.NewReader(`{"fulfillmentId":"x",`), want: 400},
		{name: "unknown operation path", path: "/licenses/destroy", want: 404},
		{name: "root path", path: "/", want: 404},
		{name: "GET", method: http.MethodGet, want: 405},
		{name: "PUT", method: http.MethodPut, want: 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &recorder{}
			h := newHandler(t, f, new(fulfillment.MemoryStore), fulfillment.WithSignature(signer))
			method, path, body := cmp(tc.method, http.MethodPost), cmp(tc.path, "/licenses/new"), tc.body
			if body == nil {
				body = strings.NewReader(good)
			}
			if tc.want == 401 {
				body = noRead{t} // nothing of an unauthenticated body is read
			}
			req := httptest.NewRequest(method, path, body)
			if tc.length != 0 {
				req.ContentLength = tc.length
			}
			req.SetBasicAuth(testUser, testPassword)
			req.Header.Set(fulfillment.DefaultSignatureHeader, goodSig)
			if tc.hdr != nil {
				tc.hdr(req)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.want {
				t.Fatalf("status %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), tc.want)
			}
			if n := f.calls.Load(); n != 0 {
				t.Fatalf("Fulfiller called %d times", n)
			}
			if z, ok := body.(*zeros); ok && z.n > fulfillment.DefaultMaxBodySize+64<<10 {
				t.Fatalf("read %d bytes of a body over the cap", z.n)
			}
			switch tc.want {
			case 401:
				if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Basic ") {
					t.Fatalf("401 without a Basic challenge")
				}
			case 405:
				if w.Header().Get("Allow") != http.MethodPost {
					t.Fatalf("405 without Allow: POST")
				}
			}
		})
	}
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Bodies of the wrong shape get 400 and no call.
func TestHandlerWrongShape(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		``, `null`, `[]`, `"text"`, `42`, `{}`,
		`{"fulfillmentId":""}`,
		`{"fulfillmentId":5}`,
		`{"fulfillmentId":"x","checkout":"ORD-1"}`,
		`{"fulfillmentId":"x","product":{"variables":["EU"]}}`,
		`{"fulfillmentId":"x","checkout":{"price":{"grossPrice":"cheap"}}}`,
		`{"fulfillmentId":"x"} {"fulfillmentId":"y"}`,
	} {
		f := &recorder{}
		h := newHandler(t, f, new(fulfillment.MemoryStore))
		if w := post(h, "/licenses/new", body); w.Code != http.StatusBadRequest || f.calls.Load() != 0 {
			t.Errorf("body %s: status %d, %d calls; want 400 and none", body, w.Code, f.calls.Load())
		}
	}
}

// A cap set by WithMaxBodySize applies; a body just under it is served.
func TestHandlerMaxBodySize(t *testing.T) {
	t.Parallel()
	f := &recorder{}
	body := bodyFor("cap")
	h := newHandler(t, f, new(fulfillment.MemoryStore), fulfillment.WithMaxBodySize(int64(len(body))))
	answer(t, post(h, "/licenses/new", body))
	if w := post(h, "/licenses/new", body+" "); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("one byte over the cap: status %d", w.Code)
	}
}

// Nothing a request carries that is secret or personal reaches the log:
// not the password, not the signature, not the buyer's e-mail.
func TestHandlerLogsNoSecrets(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	signer, _ := fulfillment.NewSigner("s3cret-key", "$.fulfillmentId", "$.checkout.orderId")
	f := &recorder{}
	h := newHandler(t, f, new(fulfillment.MemoryStore), fulfillment.WithSignature(signer),
		fulfillment.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	body := bodyFor("log-1")
	sig, _ := signer.Sign([]byte(body))
	post(h, "/licenses/new", body, fulfillment.DefaultSignatureHeader, sig)
	post(h, "/licenses/new", body, fulfillment.DefaultSignatureHeader, sig)
	post(h, "/licenses/new", body, fulfillment.DefaultSignatureHeader, strings.Repeat("0", 64))
	post(h, "/licenses/new", `{"fulfillmentId":1,"user":{"email":"jane.doe@example.com"}}`, fulfillment.DefaultSignatureHeader, sig)
	req := httptest.NewRequest(http.MethodPost, "/licenses/new", strings.NewReader(body))
	req.SetBasicAuth(testUser, "jane-password")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if logs.Len() == 0 {
		t.Fatal("nothing logged")
	}
	for _, secret := range []string{testPassword, "jane-password", "s3cret-key", sig, "jane.doe@example.com", "KEY-"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log holds %q:\n%s", secret, logs.String())
		}
	}
}
