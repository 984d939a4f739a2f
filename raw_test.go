package nexway

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The raw call carries the secret, the token and the query, goes through
// the limiter, and hands back the answer to decode.
func TestDoSendsLikeAnOperation(t *testing.T) {
	t.Parallel()
	lim := &countingLimiter{}
	m := newMock(t, withCreds, WithRateLimiter(lim))
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/history", func(r *http.Request) (*http.Response, error) {
		checkHeaders(t, r, "Bearer tok-1", true)
		if got := r.URL.Query().Get("partnerId"); got != "cust 42" {
			t.Errorf("query partnerId = %q", got)
		}
		if got := r.Header.Get("X-Shop"); got != "eu" {
			t.Errorf("X-Shop = %q", got)
		}
		equalJSON(t, jsonBody(t, r), `{"partnerId":"cust 42"}`)
		return respondNow(200, `{"responseCode":"0","responseMessage":"OK","ordersHistory":[{"partnerOrderNumber":"P1","orderNumber":"12"}]}`), nil
	})
	resp, err := m.c.Do(bg, &RawRequest{Name: "OrderHistory", Method: http.MethodPost, Path: "connect/order/history",
		Query: url.Values{"partnerId": {"cust 42"}}, Body: map[string]string{"partnerId": "cust 42"}, Resend: true}, WithHeader("X-Shop", "eu"))
	if err != nil {
		t.Fatal(err)
	}
	var history struct {
		Orders []struct {
			PartnerOrderNumber string      `json:"partnerOrderNumber"`
			OrderNumber        OrderNumber `json:"orderNumber"`
		} `json:"ordersHistory"`
	}
	if err := resp.Decode(&history); err != nil || len(history.Orders) != 1 || history.Orders[0].OrderNumber != 12 {
		t.Errorf("Decode = %+v, %v", history, err)
	}
	if !strings.Contains(string(resp.Raw), "ordersHistory") || resp.ResponseMessage != "OK" {
		t.Errorf("answer %+v", resp)
	}
	if lim.n != 1 {
		t.Errorf("limiter waited %d times, want 1", lim.n)
	}
}

// Its failures are mapped like the package's own: the shared codes, the
// HTTP statuses, ambiguity for a write, and the retry policy it chose.
func TestDoErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		write      bool
		resend     bool
		status     int
		body       string
		want       error
		code, sent int
	}{
		{"secret", false, true, 200, `{"responseCode":71}`, ErrInvalidSecret, 71, 1},
		{"validation", false, true, 200, `{"responseCode":210}`, ErrValidation, 210, 1},
		{"own code", false, true, 200, `{"responseCode":1010}`, nil, 1010, 1},
		{"read 503 resent", false, true, 503, `{}`, ErrUnavailable, 0, 4},
		{"write 503 resent", true, true, 503, `{}`, ErrAmbiguous, 0, 4},
		{"write 503 not resent", true, false, 503, `{}`, ErrAmbiguous, 0, 1},
		{"write unreadable", true, false, 200, `[1]`, ErrAmbiguous, 0, 1},
		{"read unreadable", false, true, 200, `<html>`, ErrInvalidResponse, 0, 1},
		{"429", true, false, 429, `{}`, ErrRateLimited, 0, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodPut, testBase+"connect/x", respond(tc.status, tc.body, nil))
			_, err := m.c.Do(bg, &RawRequest{Method: http.MethodPut, Path: "connect/x", Write: tc.write, Resend: tc.resend})
			e := apiErrorOf(t, err)
			if got := matched(err); tc.want == nil && len(got) != 0 || tc.want != nil && (len(got) != 1 || got[0] != tc.want) {
				t.Errorf("%v matches %v, want %v", err, got, tc.want)
			}
			if e.ResponseCode != tc.code || e.Operation != "Raw" || m.calls(http.MethodPut, "connect/x") != tc.sent {
				t.Errorf("%v: code %d, %d sent; want %d, %d", err, e.ResponseCode, m.calls(http.MethodPut, "connect/x"), tc.code, tc.sent)
			}
		})
	}
}

func TestDoArguments(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	for name, r := range map[string]*RawRequest{
		"nil":          nil,
		"method":       {Method: "TRACE", Path: "connect/x"},
		"no method":    {Path: "connect/x"},
		"absolute":     {Method: "GET", Path: "/connect/x"},
		"dot dot":      {Method: "GET", Path: "connect/../iam"},
		"empty seg":    {Method: "GET", Path: "connect//x"},
		"query in":     {Method: "GET", Path: "connect/x?a=b"},
		"space":        {Method: "GET", Path: "connect/a b"},
		"bad escape":   {Method: "GET", Path: "connect/%zz"},
		"name":         {Name: "Order History", Method: "GET", Path: "connect/x"},
		"query utf8":   {Method: "GET", Path: "connect/x", Query: url.Values{"a": {"\xff"}}},
		"body no json": {Method: "POST", Path: "connect/x", Body: func() {}},
	} {
		if _, err := m.c.Do(bg, r); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := m.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	m.RegisterResponder(http.MethodGet, testBase+"connect/a%20b%3F/x", respond(200, `{}`, nil))
	if _, err := m.c.Do(bg, &RawRequest{Method: "GET", Path: "connect/" + url.PathEscape("a b?") + "/x"}); err != nil {
		t.Errorf("an escaped segment: %v", err)
	}
}

// A raw path means one thing to every server on the way: what a gateway
// could read as another path is refused before anything is sent, naming
// the path.
func TestDoPathMeansOneThing(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	for _, path := range []string{
		"connect/../iam", "connect/./x", "connect/..", ".", "..",
		"connect/%2e%2e/iam", "connect/%2E%2E/iam", "connect/%2e%2E/iam", "connect/.%2e/iam", "connect/%2e./iam", "connect/%2e/x",
		"connect/.../x", "connect/..%3B/x", "connect/%2e%2e%3bjsessionid=1/x", // only dots; dots before a path parameter
		"connect/%EF%BC%8E%EF%BC%8E/iam", // fullwidth dots, NFKC-normalised to ".."
		"connect/%C0%AE%C0%AE/iam",       // overlong UTF-8 dots
		"connect/a%2fb", "connect/a%2Fb", "connect/%2F", "connect/a%5cb", "connect/a%5C..",
		"connect/%252e%252e/iam", "connect/%252E%252e/iam", "connect/a%252Fb", "connect/%25%32%65", // decoded twice: another path
		"connect/%00", "connect/a%0Ab", "connect/%7F",
	} {
		_, err := m.c.Do(bg, &RawRequest{Method: "GET", Path: path})
		var ae *ArgumentError
		if !errors.As(err, &ae) || ae.Field != "path" {
			t.Errorf("%q: %v, want ErrInvalidArgument naming path", path, err)
		}
	}
	if n := m.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	for _, path := range []string{"connect/a.b", "connect/..a", "connect/a..", "connect/.well-known", "connect/50%25off", "connect/%25", "connect/%C3%A9t%C3%A9", "connect/%3B"} {
		m.RegisterResponder(http.MethodGet, testBase+path, respond(200, `{}`, nil))
		if _, err := m.c.Do(bg, &RawRequest{Method: "GET", Path: path}); err != nil {
			t.Errorf("%q: %v", path, err)
		}
	}
}

// Decode fills any target encoding/json can, and a struct leniently.
func TestRawResponseDecodeTargets(t *testing.T) {
	t.Parallel()
	r := &RawResponse{Envelope: Envelope{Raw: []byte(`{"a":"1","b":[1,2]}`)}}
	var m map[string]any
	if err := r.Decode(&m); err != nil || m["a"] != "1" {
		t.Errorf("map: %v, %v", m, err)
	}
	var s struct {
		A int   `json:"a"`
		B []int `json:"b"`
	}
	if err := r.Decode(&s); err != nil || s.A != 1 || len(s.B) != 2 {
		t.Errorf("struct: %+v, %v", s, err)
	}
	var n int
	if err := r.Decode(&n); err == nil {
		t.Error("an object decoded into an int")
	}
	if err := r.Decode(nil); err == nil {
		t.Error("nil accepted")
	}
}
