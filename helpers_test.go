package nexway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"golang.org/x/time/rate"
)

const (
	testBase   = "https://api.test/"
	testSecret = "s3cretKey"
	testRealm  = "shop"
	testClient = "client-s3cret"
)

// noWait retries at once, for tests that count attempts outside synctest.
var noWait = WithRetryPolicy(RetryPolicy{MaxRetries: 3, MaxRetryAfter: time.Minute})

// mock is a client on a fresh httpmock transport that also serves the IAM
// token endpoint.
type mock struct {
	*httpmock.MockTransport
	c      *Client
	tokens *tokenResponder
}

// newMock returns a client with the test secret, no rate limit and no waits
// between retries; opts come last and win. Add withCreds for a JWT.
func newMock(t *testing.T, opts ...Option) *mock {
	t.Helper()
	m := &mock{MockTransport: httpmock.NewMockTransport(), tokens: &tokenResponder{}}
	m.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		return nil, errors.New("no responder")
	})
	m.RegisterResponder(http.MethodPost, testBase+"iam/tokens", m.tokens.respond)
	base := []Option{WithBaseURL(testBase), WithSecret(testSecret), WithTransport(m), WithRateLimit(rate.Inf, 0), noWait}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	m.c = c
	return m
}

var withCreds = WithCredentials(testRealm, testClient)

// tokenResponder answers the IAM endpoint with numbered tokens and records
// the grants it saw.
type tokenResponder struct {
	mu        sync.Mutex
	grants    []string
	expiresIn int
	fail      int // status to answer instead, when non-zero
}

func (tr *tokenResponder) respond(r *http.Request) (*http.Response, error) {
	var body map[string]string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return httpmock.NewStringResponse(400, `{"error":"bad json"}`), nil
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.grants = append(tr.grants, body["grantType"])
	if tr.fail != 0 {
		// Echoes the secret, as a careless IAM might: it must not leak.
		return httpmock.NewStringResponse(tr.fail, `{"error":"invalid_grant","message":"bad client secret `+body["clientSecret"]+`"}`), nil
	}
	if body["realmName"] != testRealm {
		return httpmock.NewStringResponse(401, `{"error":"invalid_grant"}`), nil
	}
	exp := tr.expiresIn
	if exp == 0 {
		exp = 300
	}
	n := strconv.Itoa(len(tr.grants))
	return httpmock.NewJsonResponse(200, map[string]any{
		"access_token": "tok-" + n, "expires_in": exp, "refresh_expires_in": 1800,
		"refresh_token": "ref-" + n, "token_type": "bearer", "not-before-policy": 0,
	})
}

func (tr *tokenResponder) count() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.grants)
}

func (tr *tokenResponder) grantList() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.grants...)
}

// checkHeaders asserts the headers every call carries.
func checkHeaders(t *testing.T, r *http.Request, bearer string, withBody bool) {
	t.Helper()
	if got := r.Header.Get("secret"); got != testSecret {
		t.Errorf("secret header = %q", got)
	}
	if got := r.Header.Get("Authorization"); got != bearer {
		t.Errorf("Authorization = %q, want %q", got, bearer)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q", got)
	}
	if got, want := r.Header.Get("Content-Type"), map[bool]string{true: "application/json"}[withBody]; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	if got := r.Header.Get("User-Agent"); got != "nexway-go/"+Version {
		t.Errorf("User-Agent = %q", got)
	}
}

// jsonBody decodes a request body for assertions.
func jsonBody(t *testing.T, r *http.Request) map[string]any {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("read body: %v", err)
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b)) // leave it for the next reader
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Errorf("body %q is not a JSON object: %v", b, err)
	}
	return m
}

// equalJSON compares a decoded body with the JSON text want.
func equalJSON(t *testing.T, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.Marshal(got)
		t.Errorf("body\n got %s\nwant %s", g, want)
	}
}

// respond returns a responder that checks the request with check, then
// answers status with body.
func respond(status int, body string, check func(*http.Request)) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		if check != nil {
			check(r)
		}
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	}
}

// calls counts the requests for method and path (relative to testBase).
func (m *mock) calls(method, path string) int {
	return m.GetCallCountInfo()[method+" "+testBase+path]
}

func apiErrorOf(t *testing.T, err error) *APIError {
	t.Helper()
	var e *APIError
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	return e
}

func mustContain(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("%q does not contain %q", s, sub)
	}
}

var bg = context.Background()

// sequence answers with each responder in turn, then repeats the last.
func sequence(rs ...httpmock.Responder) httpmock.Responder {
	var (
		mu sync.Mutex
		n  int
	)
	return func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		i := min(n, len(rs)-1)
		n++
		mu.Unlock()
		return rs[i](r)
	}
}

func respondNow(status int, body string) *http.Response {
	resp := httpmock.NewStringResponse(status, body)
	resp.Header.Set("Content-Type", "application/json")
	return resp
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
